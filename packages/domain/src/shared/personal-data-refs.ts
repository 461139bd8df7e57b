import { CERTIFICATE_TYPES, type CertificateType } from './refs.js';
import {
  containsIdNumber,
  containsValidIdNumber,
  maskIdNumbersIn,
} from './value-objects/resident-id.js';

/**
 * Personal data as the event store keeps it: an ID number (or a certificate number that holds
 * one) is replaced, before the event is written, by a sealed reference. The reference carries
 * the hub's keyed match key (so projections, forms and screening can match and count without
 * the number), the masked form (so it can be shown), and the value sealed with a key of its
 * data subject (so only an audited unmasking can open it, and destroying that key makes every
 * sealed copy of that person unreadable while counts and the hash chain stay as they were).
 *
 *   pii1:<kind>:<match alg>:<match key>:<masked>:<subject key id>:<sealed value>
 *
 * kind `id` (a resident ID number) or `cert` (a certificate number holding one, whose match key
 * is the registry key of type and number). No part holds a colon.
 */
export interface SealedRef {
  kind: 'id' | 'cert';
  matchAlg: string;
  key: string;
  masked: string;
  keyId: string;
  sealed: string;
}

const PREFIX = 'pii1:';

export function formatSealedRef(ref: SealedRef): string {
  return `${PREFIX}${ref.kind}:${ref.matchAlg}:${ref.key}:${ref.masked}:${ref.keyId}:${ref.sealed}`;
}

export const isSealedRef = (value: unknown): boolean =>
  typeof value === 'string' && value.startsWith(PREFIX);

export function parseSealedRef(value: string): SealedRef | undefined {
  if (!value.startsWith(PREFIX)) return undefined;
  const parts = value.slice(PREFIX.length).split(':');
  if (parts.length !== 6) return undefined;
  const [kind, matchAlg, key, masked, keyId, sealed] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (kind !== 'id' && kind !== 'cert') return undefined;
  return { kind, matchAlg, key, masked, keyId, sealed };
}

/** The stable identity of a value for matching and counting: a sealed ref's match key, else itself. */
export const identityOf = (value: string): string => parseSealedRef(value)?.key ?? value;

/** What ingestion needs of the vault: sealing at the edge, the domain only decides what to seal. */
export interface PersonalDataSealer {
  /** A valid resident ID number, upper case → its sealed reference. */
  sealIdNumber(idNumber: string): string;
  /** A certificate number that holds an ID number → its sealed reference (key: the registry key). */
  sealCertificateNumber(type: CertificateType, number: string): string;
}

/** A path from the root, innermost key first (built into an array only when needed). */
interface PathLink {
  up: PathLink | undefined;
  key: PropertyKey;
}

function pathOf(at: PathLink | undefined): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let link = at; link; link = link.up) path.push(link.key);
  return path.reverse();
}

export interface PersonalDataProblem {
  path: PropertyKey[];
  message: string;
}

const isCertificateType = (value: unknown): value is CertificateType =>
  (CERTIFICATE_TYPES as readonly unknown[]).includes(value);

/**
 * Seals the ID numbers of an event's data: every `idNumber`, and every certificate `number`
 * (beside its `certificateType` or `type`) that holds one. Anything else that still holds a
 * valid ID number in clear (free text, another field) is a problem: it would leave the vault.
 * Unified social credit codes are checked by their own schema and may be all digits.
 */
export function sealPersonalDataIn(
  data: unknown,
  sealer: PersonalDataSealer,
): { data: unknown; problems: PersonalDataProblem[] } {
  const problems: PersonalDataProblem[] = [];
  // The path is built only for a problem: most fields have none, and every event is walked.
  const walk = (value: unknown, at: PathLink | undefined): unknown => {
    if (typeof value === 'string') {
      if (!isSealedRef(value) && containsValidIdNumber(value))
        problems.push({
          path: pathOf(at),
          message:
            '此处不得填写身份证号（请填入 idNumber 字段，由平台加密保存）/ an ID number may not be written here in clear: put it in an idNumber field, where the hub seals it',
        });
      return value;
    }
    if (Array.isArray(value)) {
      const items = value.map((v, i) => walk(v, { up: at, key: i }));
      return items.some((v, i) => v !== value[i]) ? items : value;
    }
    if (!value || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const type = isCertificateType(object.certificateType)
      ? object.certificateType
      : isCertificateType(object.type)
        ? object.type
        : undefined;
    // A copy only once something was sealed, of the fields before it then: most data holds no
    // ID number, and every event is walked.
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(object);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const field = object[key];
      let next = field;
      if (typeof field === 'string' && !isSealedRef(field)) {
        if (key === 'idNumber') next = sealer.sealIdNumber(field.toUpperCase());
        else if (key === 'number' && type && containsIdNumber(field))
          next = sealer.sealCertificateNumber(type, field);
        else if (key !== 'creditCode') next = walk(field, { up: at, key });
      } else if (key !== 'creditCode') next = walk(field, { up: at, key });
      if (next !== field && !out) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]!] = object[keys[j]!];
      }
      if (out) out[key] = next;
    }
    return out ?? object;
  };
  return { data: walk(data, undefined), problems };
}

/** True when any string in a value holds a valid ID number in clear (a sealed ref does not). */
export function holdsIdNumberInClear(value: unknown): boolean {
  if (typeof value === 'string') return !isSealedRef(value) && containsValidIdNumber(value);
  if (Array.isArray(value)) return value.some(holdsIdNumberInClear);
  if (value && typeof value === 'object') return Object.values(value).some(holdsIdNumberInClear);
  return false;
}

/** How a sealed reference is shown where nothing may be opened: sealed, never its content. */
export const SEALED_LABEL_ZH = '已加密';

/**
 * Event data as a person may read it without an unmasking (a form's drill-down): a sealed
 * reference becomes its masked form marked 已加密 (it is never opened here), every other text
 * has whatever is shaped like an ID number masked, and a person's name (the `name` beside an
 * `idNumber`) keeps its first character only. Enterprises' names stay: they are no one's.
 */
export function maskedForDisplay(value: unknown): unknown {
  if (typeof value === 'string') {
    if (isSealedRef(value)) {
      const masked = parseSealedRef(value)?.masked;
      return masked ? `${maskIdNumbersIn(masked)}（${SEALED_LABEL_ZH}）` : SEALED_LABEL_ZH;
    }
    return maskIdNumbersIn(value);
  }
  if (Array.isArray(value)) return value.map(maskedForDisplay);
  if (value && typeof value === 'object') {
    const person = 'idNumber' in value;
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [
        key,
        person && key === 'name' && typeof field === 'string'
          ? maskedName(field)
          : maskedForDisplay(field),
      ]),
    );
  }
  return value;
}

const maskedName = (name: string): string => {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
};
