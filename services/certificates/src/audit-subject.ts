import type { AuditSubject } from '@hub/audit';
import {
  maskCertificateNumber,
  registryKey,
  residentIdProblem,
  type CertificateType,
  type PersonalDataProtector,
} from '@hub/domain';

/** An ID number inside a certificate number (`T` + ID), as the domain's masking finds them. */
const EMBEDDED_ID = /(?<![0-9])([1-9]\d{16}[\dXx])(?![0-9A-Za-z])/;

/**
 * What a certificate check names, for the audit record: the certificate by registry key and
 * mask, and the person by the match key of their ID number — the one given, or the one a
 * number like `T` + ID holds — so an auditor finds every check of that person. Never a number.
 */
export function checkSubject(
  protector: PersonalDataProtector,
  type: CertificateType,
  number: string,
  holderIdNumber?: string,
): AuditSubject {
  const embedded = EMBEDDED_ID.exec(number)?.[1]?.toUpperCase();
  const person =
    holderIdNumber?.toUpperCase() ??
    (embedded && residentIdProblem(embedded) === undefined ? embedded : undefined);
  return {
    certificateType: type,
    registryKey: registryKey(protector, type, number),
    numberMasked: maskCertificateNumber(type, number),
    ...(person ? { holderKey: protector.matchKey(person) } : {}),
  };
}
