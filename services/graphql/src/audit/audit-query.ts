import {
  ACTION_LABELS,
  AUDIT_ACTIONS,
  AUDIT_OUTCOMES,
  boundOf,
  shanghaiTime,
  type AuditOutcome,
  type AuditQuery,
  type AuditRecord,
} from '@hub/audit';
import { residentIdProblem, type PersonalDataProtector } from '@hub/domain';

/** The filters an auditor gives, over GraphQL and HTTP alike. */
export interface AuditFilterInput {
  from?: string;
  to?: string;
  actorId?: string;
  agency?: string;
  action?: string;
  /** A person's ID number: looked up by its match key, never kept. */
  holderIdNumber?: string;
  registryKey?: string;
  purpose?: string;
  outcome?: string;
}

export const AUDIT_FILTERS = [
  'from',
  'to',
  'actorId',
  'agency',
  'action',
  'holderIdNumber',
  'registryKey',
  'purpose',
  'outcome',
] as const satisfies ReadonlyArray<keyof AuditFilterInput>;

/** An audit query the caller got wrong; the message never repeats an ID number given. */
export class AuditQueryError extends Error {
  readonly code = 'AUDIT_QUERY_INVALID';
}

const FAMILIES = new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]!));
const isOutcome = (value: string): value is AuditOutcome =>
  (AUDIT_OUTCOMES as readonly string[]).includes(value);

/** The match key of an ID number given as a filter, or the reason it is not one. */
function holderKeyOf(protector: PersonalDataProtector, idNumber: string): string {
  if (residentIdProblem(idNumber.toUpperCase()) !== undefined)
    throw new AuditQueryError(
      'holderIdNumber 不是有效的居民身份证号码（GB 11643）/ holderIdNumber is not a valid resident ID number (GB 11643)',
    );
  return protector.matchKey(idNumber.toUpperCase());
}

/**
 * An auditor's filters as a query of the log, scoped to their units: time bounds as UTC
 * instants (dates are Asia/Shanghai days), a holder by the match key of their ID number.
 */
export function auditQueryOf(
  filter: AuditFilterInput,
  units: readonly string[],
  protector: PersonalDataProtector,
): AuditQuery {
  const { action, outcome } = filter;
  if (action && !(AUDIT_ACTIONS as readonly string[]).includes(action) && !FAMILIES.has(action))
    throw new AuditQueryError(
      `没有操作代码 "${action.slice(0, 40)}"（可用：${AUDIT_ACTIONS.join(', ')}，或其类别如 export）/ no action "${action.slice(0, 40)}" (codes: ${AUDIT_ACTIONS.join(', ')}, or a family such as export)`,
    );
  if (outcome && !isOutcome(outcome))
    throw new AuditQueryError(
      `outcome 只能是 ok、refused 或 failed / outcome must be ok, refused or failed`,
    );
  return {
    ...(filter.from ? { from: boundOf(filter.from, 'from') } : {}),
    ...(filter.to ? { to: boundOf(filter.to, 'to') } : {}),
    ...(filter.actorId ? { actorId: filter.actorId } : {}),
    ...(filter.agency ? { agency: filter.agency } : {}),
    ...(action ? { action } : {}),
    ...(filter.holderIdNumber ? { holderKey: holderKeyOf(protector, filter.holderIdNumber) } : {}),
    ...(filter.registryKey ? { registryKey: filter.registryKey } : {}),
    ...(filter.purpose ? { purpose: filter.purpose } : {}),
    ...(outcome && isOutcome(outcome) ? { outcome } : {}),
    scope: units,
  };
}

/**
 * The filters as the audit record of the read keeps them: the holder by match key (so a search
 * for a person is itself found by that person), nothing longer than 100 characters.
 */
export function auditFilterSummary(
  filter: AuditFilterInput | undefined,
  protector: PersonalDataProtector,
): { holderKey?: string; registryKey?: string; args: Record<string, string> } {
  const args: Record<string, string> = {};
  let holderKey: string | undefined;
  for (const name of AUDIT_FILTERS) {
    const value = filter?.[name];
    if (typeof value !== 'string' || value === '') continue;
    if (name === 'holderIdNumber') {
      if (residentIdProblem(value.toUpperCase()) === undefined)
        holderKey = protector.matchKey(value.toUpperCase());
      else args.holderIdNumber = '(invalid)';
      continue;
    }
    args[name] = value.slice(0, 100);
  }
  return {
    ...(holderKey ? { holderKey } : {}),
    ...(filter?.registryKey ? { registryKey: filter.registryKey.slice(0, 100) } : {}),
    args,
  };
}

/** A record as auditors read it: with the time in Asia/Shanghai and the action's label. */
export function auditRecordView(record: AuditRecord) {
  const label = ACTION_LABELS[record.action];
  return {
    ...record,
    atShanghai: shanghaiTime(record.at),
    actionLabel: label ? `${label.zh} / ${label.en}` : record.action,
  };
}
