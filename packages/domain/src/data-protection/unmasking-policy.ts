import { ISSUER_OF } from '../certificates/events.js';
import type { Agency } from '../shared/agencies.js';
import type { CertificateType } from '../shared/refs.js';

/** Who asks to open a holder's ID number: an agency's system, or a signed-in person. */
export type UnmaskingRequester =
  { kind: 'agency-system'; agency: Agency } | { kind: 'person'; role: string; agency?: Agency };

/** What the decision reads of the registry record: its own type and issuer, never the caller's word. */
export interface UnmaskedRecord {
  type: CertificateType;
  issuer: Agency;
}

/** The criminal-justice side may open any holder; everyone else only holders of its own certificates. */
const CRIMINAL_JUSTICE: readonly Agency[] = ['police', 'procuratorate', 'court'];
const CRIMINAL_JUSTICE_ROLES: readonly string[] = ['procurator', 'court_clerk'];

/**
 * Why the requester may not open the holder of this certificate, or undefined when it may.
 * Judged on the record as the registry holds it: a caller naming another type or issuer
 * cannot widen its rights.
 */
export function unmaskingRefusal(
  requester: UnmaskingRequester,
  record: UnmaskedRecord,
): string | undefined {
  if (ISSUER_OF[record.type] !== record.issuer)
    return `登记记录的发证机关（${record.issuer}）与证书类型不符，不予解密 / the record's issuer ${record.issuer} does not issue ${record.type}`;
  const refused = (who: string) =>
    `${who}无权查看${record.type}证书持证人的身份证号 / ${who} may not unmask holders of ${record.type} certificates`;
  if (requester.kind === 'agency-system') {
    const { agency } = requester;
    return CRIMINAL_JUSTICE.includes(agency) || agency === record.issuer
      ? undefined
      : refused(agency);
  }
  if (CRIMINAL_JUSTICE_ROLES.includes(requester.role)) return undefined;
  if (
    requester.role === 'agency_officer' &&
    (requester.agency === record.issuer || requester.agency === 'police')
  )
    return undefined;
  return refused(requester.agency ? `${requester.role} (${requester.agency})` : requester.role);
}
