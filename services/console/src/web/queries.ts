import { gql } from './api';

/**
 * The GraphQL each data page opens with. They live outside the pages' chunks so the shell can
 * ask for a page's data as soon as the session is known, while the page's code still loads.
 */
export const FORM_QUERY = `query($formId:ID!,$unit:String!,$period:String,$from:String,$to:String){
  form(formId:$formId, unit:$unit, period:$period, from:$from, to:$to){
    formId titleZh periodLabelZh periodNoteZh basisZh columns{ column }
    rows{ unit labelZh kind serial cells{ figureId column display headerZh subHeaderZh groupZh columnZh } } } }`;

export const CLUES_QUERY = `query($filter:ClueFilter,$after:String){ clues(filter:$filter, first:50, after:$after){
  edges{ node{ clueId transferringAgency reportingUnit toPoliceUnit fakeCertificates suspects stage open
    steps{ ruleId labelZh party startedAt dueBy endedAt status source } } }
  pageInfo{ hasNextPage endCursor } } }`;

export const FORMS_LIST_QUERY = '{ forms { formId titleZh namedPeriodZh } }';

/** What the form page asks for, read from its address. */
export function formVariables(search: string) {
  const p = new URLSearchParams(search);
  const form = p.get('form');
  const unit = p.get('unit');
  if (!form || !unit) return undefined;
  const period = p.get('period');
  const from = p.get('from');
  const to = p.get('to');
  return { formId: form, unit, ...(from ? { from, to: to ?? '' } : period ? { period } : {}) };
}

/** What the ledger page asks for, read from its address. */
export function ledgerFilter(search: string) {
  const p = new URLSearchParams(search);
  return Object.fromEntries(
    ['unit', 'agency', 'due', 'status'].flatMap((k) => (p.get(k) ? [[k, p.get(k)!]] : [])),
  );
}

const started = new Map<string, Promise<unknown>>();
const keyOf = (query: string, variables: Record<string, unknown>) =>
  `${query}\n${JSON.stringify(variables)}`;

/** Asks now; the page that needs the answer takes it once (`gqlOnce`). */
export function prefetch(query: string, variables: Record<string, unknown>): void {
  const promise = gql(query, variables);
  promise.catch(() => undefined);
  started.set(keyOf(query, variables), promise);
}

/** The prefetched answer if there is one (used once), else a new request. */
export function gqlOnce<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const key = keyOf(query, variables);
  const known = started.get(key);
  started.delete(key);
  return (known as Promise<T> | undefined) ?? gql<T>(query, variables);
}

/** Starts the data of the page at this address. */
export function prefetchPage(path: string, search: string): void {
  if (path === '/forms') {
    prefetch(FORMS_LIST_QUERY, {});
    const v = formVariables(search);
    if (v) prefetch(FORM_QUERY, v);
  } else if (path === '/ledger') prefetch(CLUES_QUERY, { filter: ledgerFilter(search) });
}
