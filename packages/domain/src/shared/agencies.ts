/** The seven agencies that publish to the hub (BRIEF §2). Codes are part of the public contract. */
export const AGENCIES = [
  'emergency',
  'construction',
  'market',
  'cyberspace',
  'police',
  'procuratorate',
  'court',
] as const;

export type Agency = (typeof AGENCIES)[number];

export const AGENCY_NAMES_ZH: Record<Agency, string> = {
  emergency: '应急管理局',
  construction: '建设和管理委员会',
  market: '市场监督管理局',
  cyberspace: '网信办',
  police: '公安局',
  procuratorate: '人民检察院',
  court: '人民法院',
};

/** Agencies that supervise enterprises and impose administrative penalties. */
export const ADMINISTRATIVE_AGENCIES = [
  'emergency',
  'construction',
  'market',
  'cyberspace',
] as const;
export type AdministrativeAgency = (typeof ADMINISTRATIVE_AGENCIES)[number];

/** Agencies that issue certificates (BRIEF §3). */
export const ISSUING_AGENCIES = ['emergency', 'construction', 'market'] as const;
export type IssuingAgency = (typeof ISSUING_AGENCIES)[number];

export function isAgency(value: unknown): value is Agency {
  return typeof value === 'string' && (AGENCIES as readonly string[]).includes(value);
}
