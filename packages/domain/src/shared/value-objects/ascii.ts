const FULL_WIDTH = /[\uFF01-\uFF5E\u3000]/;

/**
 * Explains why an identifier is not plain ASCII. Full-width digits and letters are a common
 * copy-paste artefact from Chinese input methods; we refuse rather than guess.
 */
export function nonAsciiProblem(value: string): string | undefined {
  if (FULL_WIDTH.test(value)) {
    return 'contains full-width characters (全角); use half-width ASCII digits and letters';
  }
  if (/[^\x21-\x7E]/.test(value)) return 'contains characters other than ASCII digits and letters';
  return undefined;
}
