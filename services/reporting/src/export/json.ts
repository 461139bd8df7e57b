import type { ComputedForm } from '@hub/domain';

/**
 * A form as JSON for machines and the CLI: every row and cell (each with its printed header),
 * the template named by id, title and source rather than repeated whole.
 */
export function formJson(form: ComputedForm) {
  const { template, ...rest } = form;
  return {
    ...rest,
    template: {
      id: template.id,
      titleZh: template.titleZh,
      sourceDocument: template.sourceDocument,
    },
  };
}
