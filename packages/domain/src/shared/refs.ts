import { z } from 'zod';
import { CreditCode } from './value-objects/credit-code.js';
import { countSchema } from './value-objects/count.js';
import { OrganisationName } from './value-objects/name.js';
import { PersonName } from './value-objects/person-name.js';
import { containsIdNumber, ResidentIdNumber } from './value-objects/resident-id.js';

/** An enterprise (生产经营单位) identified by its unified social credit code. */
export const EnterpriseRef = z
  .object({
    creditCode: CreditCode,
    name: OrganisationName,
    isCentralSoeSubsidiary: z
      .boolean()
      .optional()
      .describe('Subsidiary or branch of a central state-owned enterprise (央企子公司、分公司)'),
  })
  .strict();

/** A natural person identified by resident ID number (sensitive: never logged). */
export const PersonRef = z.object({ idNumber: ResidentIdNumber, name: PersonName }).strict();

export const CERTIFICATE_TYPES = [
  'special_operations',
  'safety_management',
  'construction_special_operations',
  'special_equipment',
] as const;
export const CertificateType = z.enum(CERTIFICATE_TYPES);
export type CertificateType = z.infer<typeof CertificateType>;

export const CertificateNumber = z
  .string()
  .regex(
    /^[A-Za-z0-9()（）-]{4,40}$/,
    'certificate number must be 4-40 letters, digits, "-" or brackets',
  );

export const CertificateRef = z
  .object({ type: CertificateType, number: CertificateNumber })
  .strict();

/** A text that is shown or kept where ID numbers may not be: refused if it holds one in clear. */
export const withoutIdNumber = <S extends z.ZodType<string>>(schema: S) =>
  schema.refine((value) => !containsIdNumber(value), {
    message: '不得含明文身份证号 / must not hold a resident ID number in clear (mask it)',
  });

/**
 * A certificate named without personal data: its number masked where it embeds an ID number,
 * and the registry's keyed hash, which the hub can look up and nobody else can reverse.
 */
export const MaskedCertificateRef = z
  .object({
    type: CertificateType,
    numberMasked: withoutIdNumber(
      z
        .string()
        .regex(
          /^[A-Za-z0-9()（）*-]{4,40}$/,
          'masked certificate number: letters, digits, "-", brackets or *',
        ),
    ),
    registryKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'registry key: the hub’s keyed hash'),
  })
  .strict();

export const Count = countSchema();

/** Credit code where one may be missing (an individual seller has none). */
export const CreditCodeOrNone = CreditCode.optional();

/** The subject of an inspection or measure: an enterprise, institution or intermediary. */
export const SubjectRef = z
  .object({
    creditCode: CreditCodeOrNone,
    name: OrganisationName,
  })
  .strict();
