import type { CertificateType } from '../shared/refs.js';
import {
  nameProblem,
  normaliseName,
  type NameKind,
  type NameProblem,
} from '../shared/value-objects/name.js';
import type { VERIFICATION_RESULTS } from './events.js';
import type { PersonalDataProtector } from './personal-data.js';
import { maskIdNumbersIn } from '../shared/value-objects/resident-id.js';
import { holderKeys, maskCertificateNumber, type RegistryCertificate } from './registry.js';
import {
  CERTIFICATE_RULES,
  certificateTypeForJob,
  numberFitsFormat,
  type CertificateTypeRules,
} from './rules.js';

/** What an inspector sees on the card and on site. */
export interface CertificateObservation {
  type: CertificateType;
  number: string;
  holder?: { idNumber: string; name?: string };
  /** Data printed on the card, to compare with the registry. */
  printed?: {
    operationCategory?: string;
    operationItem?: string;
    validUntil?: string;
    issuedOn?: string;
  };
  /** The work being done, as an operation category (作业类别). */
  job?: string;
  /** The holder's keyed hashes when the caller has them already (bulk screening). */
  holderKeys?: { holderKey: string; holderNameKey?: string };
}

export type VerificationResult = (typeof VERIFICATION_RESULTS)[number];

/** The finding a negative result raises on the inspection (FindingRecorded kinds). */
export const FINDING_OF_RESULT: Partial<Record<VerificationResult, string>> = {
  unknown_number: 'forged',
  revoked: 'no_certificate',
  holder_mismatch: 'lent_transferred_or_impersonated',
  data_mismatch: 'altered',
  expired: 'expired',
  review_overdue: 'review_overdue',
  other_department: 'other_department_certificate',
  not_valid_for_job: 'no_certificate',
};

export interface Verification {
  result: VerificationResult;
  /** Why, in the inspector's words; never an ID number. */
  evidence: string[];
  findingKind?: string;
}

export interface VerificationContext {
  protector: PersonalDataProtector;
  /** Asia/Shanghai date, YYYY-MM-DD. */
  today: string;
  rules?: Record<CertificateType, CertificateTypeRules>;
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Evidence is shown to callers and kept in events and result files: any ID number in it (a
 * number as typed by the inspector, a job description) is masked here, for every verdict.
 */
const verdict = (result: VerificationResult, evidence: string[]): Verification => {
  const findingKind = FINDING_OF_RESULT[result];
  const masked = evidence.map(maskIdNumbersIn);
  return findingKind ? { result, evidence: masked, findingKind } : { result, evidence: masked };
};

/** What verification reads of a registry record (an in-memory index keeps only these). */
export const VERIFIED_FIELDS = [
  'issued',
  'holderKey',
  'holderNameKey',
  'holderMasked',
  'operationCategory',
  'operationItem',
  'issuedOn',
  'validUntil',
  'nextReviewDue',
  'revokedOn',
  'revocationReason',
] as const satisfies ReadonlyArray<keyof RegistryCertificate>;
export type VerifiedRecord = Pick<RegistryCertificate, (typeof VERIFIED_FIELDS)[number]>;

/** An observation whose names cannot be compared (an invisible character, too long …). */
export class InvalidObservationError extends Error {
  readonly code: NameProblem['code'];
  constructor(
    readonly field: string,
    problem: NameProblem,
  ) {
    super(`${field}: ${problem.message}`);
    this.code = problem.code;
  }
}

/**
 * The first name of an observation that the name value object refuses, with its field. A name
 * with a zero-width space looks like the registered one but would not match it: a false
 * "疑似涂改". Callers that screen many rows check this to reject the row instead.
 */
export function observationProblem(
  observation: Pick<CertificateObservation, 'holder' | 'printed' | 'job'>,
): { field: string; problem: NameProblem } | undefined {
  const names: Array<[string, string | undefined, NameKind]> = [
    ['holder.name', observation.holder?.name, 'person'],
    ['job', observation.job, 'category'],
    ['printed.operationCategory', observation.printed?.operationCategory, 'category'],
    ['printed.operationItem', observation.printed?.operationItem, 'category'],
  ];
  for (const [field, value, kind] of names) {
    const problem = value === undefined ? undefined : nameProblem(value, kind);
    if (problem) return { field, problem };
  }
  return undefined;
}

const category = (value: string | undefined) =>
  value === undefined ? undefined : normaliseName(value, 'category');

/**
 * Checks one certificate against the registry. Pure: the caller looks the record up. Throws
 * InvalidObservationError when a name of the observation is not a valid name.
 */
export function verifyCertificate(
  observation: CertificateObservation,
  record: VerifiedRecord | undefined,
  context: VerificationContext,
): Verification {
  const invalid = observationProblem(observation);
  if (invalid) throw new InvalidObservationError(invalid.field, invalid.problem);
  const rules = (context.rules ?? CERTIFICATE_RULES)[observation.type];
  const fits = numberFitsFormat(
    rules,
    observation.number,
    observation.holder?.idNumber?.toUpperCase(),
  );
  const formatNote = fits === false ? [`编号不符合${rules.titleZh}的编号规则`] : [];

  if (!record?.issued) {
    const issuedOn = observation.printed?.issuedOn;
    if (
      issuedOn &&
      issuedOn <= context.today &&
      context.today <= addDays(issuedOn, rules.registryLagDays)
    )
      return verdict('pending_registry', [
        `登记库中暂无此编号；证面发证日期 ${issuedOn} 在 ${rules.registryLagDays} 日登记滞后期内，请于 ${addDays(issuedOn, rules.registryLagDays + 1)} 后复核`,
        ...formatNote,
      ]);
    return verdict('unknown_number', [
      `${rules.titleZh}登记库中无编号 ${maskCertificateNumber(observation.type, observation.number)}（疑似伪造）`,
      ...formatNote,
    ]);
  }
  if (record.revokedOn)
    return verdict('revoked', [
      `证书已于 ${record.revokedOn} 撤销（${record.revocationReason ?? '原因未录入'}）`,
    ]);

  if (observation.holder) {
    const seen =
      observation.holderKeys ??
      holderKeys(context.protector, observation.holder.idNumber, observation.holder.name);
    if (record.holderKey && seen.holderKey !== record.holderKey)
      return verdict('holder_mismatch', [
        `持证人身份证号与登记不符（登记为 ${record.holderMasked ?? '未知'}）：疑似出借、转让或冒用`,
      ]);
    if (seen.holderNameKey && record.holderNameKey && seen.holderNameKey !== record.holderNameKey)
      return verdict('data_mismatch', ['证面姓名与登记不符：疑似涂改']);
  }
  // A registered number not made of the holder's ID number (T + ID) was altered or borrowed; a
  // registered number outside a published pattern is the issuer's own (an older numbering).
  if (fits === false && rules.numberFormat?.kind === 'prefix-plus-id-number')
    return verdict('data_mismatch', formatNote);
  const printed = {
    ...observation.printed,
    operationCategory: category(observation.printed?.operationCategory),
    operationItem: category(observation.printed?.operationItem),
  };
  const registered = {
    ...record,
    operationCategory: category(record.operationCategory),
    operationItem: category(record.operationItem),
  };
  const differences = (['operationCategory', 'operationItem', 'validUntil', 'issuedOn'] as const)
    .filter(
      (f) =>
        printed[f] !== undefined && registered[f] !== undefined && printed[f] !== registered[f],
    )
    .map((f) => `证面${LABEL[f]} ${printed[f]} 与登记 ${registered[f]} 不符`);
  if (differences.length > 0) return verdict('data_mismatch', [...differences, '疑似涂改']);

  if (record.validUntil && record.validUntil < context.today)
    return verdict('expired', [`有效期至 ${record.validUntil}，已过期`]);
  if (record.nextReviewDue && record.nextReviewDue < context.today)
    return verdict('review_overdue', [`应于 ${record.nextReviewDue} 前复审，已逾期`]);

  const job = category(observation.job);
  if (job && registered.operationCategory && job !== registered.operationCategory) {
    const jobType = certificateTypeForJob(context.rules ?? CERTIFICATE_RULES, job);
    if (jobType && jobType !== observation.type)
      return verdict('other_department', [
        `所从事的 ${job} 须持${(context.rules ?? CERTIFICATE_RULES)[jobType].titleZh}，所持为${rules.titleZh}`,
      ]);
    return verdict('not_valid_for_job', [
      `证书准许 ${registered.operationCategory}，所从事的是 ${job}`,
    ]);
  }
  return verdict('valid', [
    `登记有效：${record.operationCategory ?? ''}${record.operationItem ? ` / ${record.operationItem}` : ''}，有效期至 ${record.validUntil ?? '未录入'}`,
  ]);
}

const LABEL = {
  operationCategory: '作业类别',
  operationItem: '操作项目',
  validUntil: '有效期',
  issuedOn: '发证日期',
} as const;
