import type { CertificateType } from '../shared/refs.js';

/**
 * What is known of each certificate type, as data: how its number is formed, how long the
 * national registry may lag behind an issue, and which operation categories (作业类别) it
 * covers, so that a job done under another department's certificate is recognised.
 */
export interface CertificateTypeRules {
  titleZh: string;
  /**
   * How the number relates to the holder: `T` + ID number for the special-operations card
   * (特种作业操作证 since the 2016 national format). Absent where the format is not confirmed.
   */
  numberFormat?:
    { kind: 'prefix-plus-id-number'; prefix: string } | { kind: 'pattern'; pattern: string };
  /** Days after issue during which a number missing from the registry is not yet suspicious. */
  registryLagDays: number;
  /** Prefixes of numbers the issuer is known to use; a number outside them is an anomaly. */
  knownPrefixes?: readonly string[];
  operationCategories: readonly string[];
}

export const CERTIFICATE_RULES: Record<CertificateType, CertificateTypeRules> = {
  special_operations: {
    titleZh: '特种作业操作证',
    numberFormat: { kind: 'prefix-plus-id-number', prefix: 'T' },
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
    registryLagDays: 7,
    operationCategories: ['主要负责人', '安全生产管理人员'],
  },
  construction_special_operations: {
    titleZh: '建筑施工特种作业操作资格证',
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

/** True when the number is what the type's format makes of the holder's ID number. */
export function numberFitsFormat(
  rules: CertificateTypeRules,
  number: string,
  idNumber: string | undefined,
): boolean | undefined {
  const format = rules.numberFormat;
  if (!format) return undefined;
  if (format.kind === 'pattern') return new RegExp(format.pattern).test(number);
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
