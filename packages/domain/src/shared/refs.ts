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

/**
 * One-character abbreviations of the provinces (省级行政区简称, alternates included: 黔 and 贵,
 * 滇 and 云 …), as certificate numbers begin with them: the construction certificate is
 * numbered 晋A012008000001 (see certificates/rules.ts).
 */
export const PROVINCE_ABBREVIATIONS =
  '京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀贵黔云滇藏陕秦甘陇青宁新港澳台';

/**
 * A certificate number as issued: letters, digits, "-" or brackets, after an optional province
 * abbreviation. Each type's own format is data (certificates/rules.ts); anything else — a
 * Chinese character elsewhere, a space, a full-width digit — is refused.
 */
export const CertificateNumber = z
  .string()
  .regex(
    new RegExp(`^[${PROVINCE_ABBREVIATIONS}]?[A-Za-z0-9()（）-]{3,39}$`, 'u'),
    '证书编号应为 4-40 位字母、数字、“-”或括号，可以省级简称开头（如 晋A012008000001）/ certificate number must be 4-40 letters, digits, "-" or brackets, optionally after a province abbreviation',
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
          new RegExp(`^[${PROVINCE_ABBREVIATIONS}]?[A-Za-z0-9()（）*-]{3,39}$`, 'u'),
          'masked certificate number: letters, digits, "-", brackets or *, after an optional province abbreviation',
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
