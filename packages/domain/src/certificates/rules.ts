import { CERTIFICATE_TYPES, PROVINCE_ABBREVIATIONS, type CertificateType } from '../shared/refs.js';
import { maskIdNumbersIn, residentIdProblem } from '../shared/value-objects/resident-id.js';

/**
 * What is known of each certificate type, as data: how its number is formed, how long the
 * national registry may lag behind an issue, and which operation categories (作业类别) it
 * covers, so that a job done under another department's certificate is recognised.
 */
export interface CertificateTypeRules {
  titleZh: string;
  /** Other names agencies' files and forms give the type (besides titleZh and the code). */
  alsoNamedZh: readonly string[];
  /**
   * How the number is made: `T` + ID number for the special-operations card (特种作业操作证
   * since the 2016 national format), a pattern where the issuer publishes one. Absent where the
   * format is not confirmed.
   */
  numberFormat?:
    | { kind: 'prefix-plus-id-number'; prefix: string; descriptionZh: string; example: string }
    | {
        kind: 'pattern';
        pattern: string;
        descriptionZh: string;
        /** A published example, checked by a test. */
        example: string;
        /** Where the format is published. */
        source: string;
      };
  /** Days after issue during which a number missing from the registry is not yet suspicious. */
  registryLagDays: number;
  /** Prefixes of numbers the issuer is known to use; a number outside them is an anomaly. */
  knownPrefixes?: readonly string[];
  operationCategories: readonly string[];
}

export const CERTIFICATE_RULES: Record<CertificateType, CertificateTypeRules> = {
  special_operations: {
    titleZh: '特种作业操作证',
    alsoNamedZh: ['中华人民共和国特种作业操作证', '特种作业人员操作证'],
    numberFormat: {
      kind: 'prefix-plus-id-number',
      prefix: 'T',
      descriptionZh: '“T”加持证人身份证号',
      example: 'T11010519491231002X',
    },
    registryLagDays: 7,
    knownPrefixes: ['T'],
    // 特种作业目录 (原安监总局令第30号 附件)
    operationCategories: [
      '电工作业',
      '焊接与热切割作业',
      '高处作业',
      '制冷与空调作业',
      '煤矿安全作业',
      '金属非金属矿山安全作业',
      '石油天然气安全作业',
      '冶金（有色）生产安全作业',
      '危险化学品安全作业',
      '烟花爆竹安全作业',
    ],
  },
  safety_management: {
    titleZh: '安全生产知识和管理能力考核合格证',
    alsoNamedZh: ['安全生产知识和管理能力考核合格证明', '安全资格证', '安全管理人员考核合格证'],
    registryLagDays: 7,
    operationCategories: ['主要负责人', '安全生产管理人员'],
  },
  construction_special_operations: {
    titleZh: '建筑施工特种作业操作资格证',
    alsoNamedZh: [
      '建筑施工特种作业操作资格证书',
      '建筑施工特种作业人员操作资格证书',
      '建筑施工特种作业证',
    ],
    // 14 characters: province abbreviation, the issuing city's letter, the 2-digit category
    // (01 建筑电工 …), the year of issue and a 6-digit serial. Published in the provinces'
    // numbering rules under 建质〔2008〕75号, e.g. Shanxi's (例：晋A012008000001, a Taiyuan
    // 建筑电工 certified in 2008) and Jiangsu's (附件二：江苏省建筑施工特种作业操作资格证书编号规则).
    numberFormat: {
      kind: 'pattern',
      pattern: `^[${PROVINCE_ABBREVIATIONS}][A-Z]\\d{2}(19|20)\\d{2}\\d{6}$`,
      descriptionZh: '省级简称 + 发证地市字母 + 2 位工种类别代码 + 4 位发证年份 + 6 位序号',
      example: '晋A012008000001',
      source: '建质〔2008〕75号；山西省、江苏省建筑施工特种作业操作资格证书编号规则',
    },
    registryLagDays: 7,
    operationCategories: [
      '建筑电工',
      '建筑架子工',
      '建筑起重信号司索工',
      '建筑起重机械司机',
      '建筑起重机械安装拆卸工',
      '高处作业吊篮安装拆卸工',
    ],
  },
  special_equipment: {
    titleZh: '特种设备安全管理和作业人员证',
    alsoNamedZh: ['特种设备作业人员证', '特种设备安全管理人员证', '特种设备作业人员资格证'],
    registryLagDays: 7,
    operationCategories: [
      '特种设备安全管理',
      '锅炉作业',
      '压力容器作业',
      '气瓶作业',
      '电梯作业',
      '起重机作业',
      '客运索道作业',
      '大型游乐设施作业',
      '场（厂）内专用机动车辆作业',
      '安全附件维修作业',
      '特种设备焊接作业',
    ],
  },
};

/** NFC, no spaces of any width: how a type or number written in a file is compared. */
const compact = (text: string) => text.normalize('NFKC').replace(/\s+/gu, '');

/**
 * The certificate type a file or request names: its code (`special_operations`), its title
 * (特种作业操作证) or another name agencies give it; undefined for anything else.
 */
export function certificateTypeOf(
  text: string,
  rules: Record<CertificateType, CertificateTypeRules> = CERTIFICATE_RULES,
): CertificateType | undefined {
  const wanted = compact(text);
  return CERTIFICATE_TYPES.find(
    (type) =>
      type === wanted ||
      compact(rules[type].titleZh) === wanted ||
      rules[type].alsoNamedZh.some((name) => compact(name) === wanted),
  );
}

/** What a person may write for the type, Chinese first: for messages. */
export const certificateTypeChoicesZh = (
  rules: Record<CertificateType, CertificateTypeRules> = CERTIFICATE_RULES,
) => CERTIFICATE_TYPES.map((t) => `${rules[t].titleZh}（${t}）`).join('、');

/**
 * What is wrong with a certificate number for its type, Chinese first with what to write
 * instead; undefined when it is a number the type's issuer could have issued. `invalid`: no
 * certificate has such a number (refused everywhere); `format`: a number, but not in the
 * format the issuer publishes (noted: an issuer's older numbering may differ). A type whose
 * format is not confirmed takes letters and digits after an optional province abbreviation.
 */
export function certificateNumberProblem(
  type: CertificateType,
  number: string,
  rules: Record<CertificateType, CertificateTypeRules> = CERTIFICATE_RULES,
): { kind: 'invalid' | 'format'; message: string } | undefined {
  // The messages echo what was written, which may hold someone's ID number: masked.
  const invalid = (message: string) => ({
    kind: 'invalid' as const,
    message: maskIdNumbersIn(message),
  });
  const format = (message: string) => ({
    kind: 'format' as const,
    message: maskIdNumbersIn(message),
  });
  const published = rules[type].numberFormat;
  const title = rules[type].titleZh;
  if (/[０-９Ａ-Ｚａ-ｚ]/u.test(number))
    return invalid(
      `证书编号含全角字符，请改为半角（${number.normalize('NFKC')}）/ the number holds full-width characters: write them half-width`,
    );
  if (!new RegExp(`^[${PROVINCE_ABBREVIATIONS}]?[A-Za-z0-9()（）-]{3,39}$`, 'u').test(number))
    return invalid(
      `证书编号只能是字母、数字、“-”或括号，可以省级简称开头，共 4-40 位；收到 "${number}" / a certificate number is 4-40 letters, digits, "-" or brackets, optionally after a province abbreviation`,
    );
  if (published?.kind === 'prefix-plus-id-number') {
    const upper = number.toUpperCase();
    if (!upper.startsWith(published.prefix))
      return format(
        `${title}编号应为${published.descriptionZh}（如 ${published.example}）/ a ${type} number is "${published.prefix}" followed by the holder's ID number`,
      );
    const problem = residentIdProblem(upper.slice(published.prefix.length));
    if (problem)
      return format(`${title}编号应为${published.descriptionZh}，其中身份证号有误：${problem}`);
  }
  if (published?.kind === 'pattern' && !new RegExp(published.pattern, 'u').test(number))
    return format(
      `${title}编号应为${published.descriptionZh}（如 ${published.example}）；收到 "${number}" / a ${type} number does not have the issuer's published format`,
    );
  return undefined;
}

/** True when the number is what the type's format makes of the holder's ID number. */
export function numberFitsFormat(
  rules: CertificateTypeRules,
  number: string,
  idNumber: string | undefined,
): boolean | undefined {
  const format = rules.numberFormat;
  if (!format) return undefined;
  if (format.kind === 'pattern') return new RegExp(format.pattern, 'u').test(number);
  return idNumber === undefined
    ? undefined
    : number.toUpperCase() === `${format.prefix}${idNumber}`.toUpperCase();
}

/** The certificate type whose categories include a job, if any. */
export function certificateTypeForJob(
  rules: Record<CertificateType, CertificateTypeRules>,
  operationCategory: string,
): CertificateType | undefined {
  return (Object.keys(rules) as CertificateType[]).find((t) =>
    rules[t].operationCategories.includes(operationCategory),
  );
}
