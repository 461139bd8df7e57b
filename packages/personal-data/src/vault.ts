import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  certificateKey,
  formatSealedRef,
  maskCertificateNumber,
  maskResidentId,
  parseSealedRef,
  type CertificateType,
  type SealedRef,
  type PersonalDataProtector,
  type PersonalDataSealer,
} from '@hub/domain';
import { hmac, SUITES, type CryptoSuite } from '@hub/crypto';
import { base64UrlOf24, HmacSha256 } from './hmac-sha256.js';
import { deriveVaultKey as derive, matchSecretsOf, type MatchSecrets } from './match-secrets.js';
import { MemorySubjectKeyStore } from './memory-subject-keys.js';
import type { RewrapOptions, RewrapReport, SubjectKeyStore } from './subject-keys.js';
import { readOrCreateSecretFile } from './secret-file.js';

export interface VaultKey {
  /** Short name written into every sealed value, so the right key opens it after a rotation. */
  id: string;
  /** 32 random bytes. */
  secret: Buffer;
}

export class SealError extends Error {
  readonly code = 'SEAL_INVALID';
}

interface DerivedKey {
  seal: Buffer;
  iv: Buffer;
}

export interface VaultOptions {
  /** The algorithms of the deployment: HMAC-SHA-256 and AES-256-GCM, or HMAC-SM3 and SM4. */
  suite?: CryptoSuite;
  /** Where data subjects' keys live (vault.db); in memory when absent (tests, one-off tools). */
  subjectKeys?: SubjectKeyStore;
  /** The key match keys come from, as the hub's vault settled it (for screening threads). */
  matchKeyId?: string;
  /** The match-key secrets the hub's vault uses (for screening threads, after a rewrap). */
  matchSecrets?: MatchSecrets;
}

/** The ID number inside a certificate number that holds one (the `T` + ID card). */
const EMBEDDED_ID = /(?<![0-9])[1-9]\d{16}[\dX](?![0-9A-Z])/;

/**
 * Keyed hashes for matching, and sealed copies for authorized unmasking. The ID numbers that
 * agencies publish are sealed at ingestion under a key of their data subject (see
 * subject-keys.ts) and written into events as sealed references; read models made before that
 * used one vault-wide key (`seal`), still opened here. Sealing is deterministic (the IV is a
 * keyed hash of the value, as in SIV modes): a retried event seals to the same bytes, and a
 * rebuilt read model is byte-identical. Every vault-wide key comes from one secret per key id
 * through HKDF.
 */
export class PersonalDataVault implements PersonalDataProtector, PersonalDataSealer {
  private readonly keys = new Map<string, DerivedKey>();
  private readonly current: string;
  /** The key match keys come from: fixed for the deployment (see SubjectKeyStore.matchKeyId). */
  private readonly matchKeyId: string;
  private readonly suite: CryptoSuite;
  private readonly subjectKeys: SubjectKeyStore;
  /** What match keys are made from: kept by the store after a rewrap, else derived from matchKeyId's key. */
  private readonly matchSecrets: MatchSecrets;
  private readonly match: HmacSha256;
  /** HMAC-SM3 match keys of the national suite (the SHA-256 path has its own fast HMAC). */
  private readonly sm3MatchSecret: Buffer | undefined;

  constructor(current: VaultKey, previous: readonly VaultKey[] = [], options: VaultOptions = {}) {
    for (const key of [current, ...previous]) {
      if (key.secret.length !== 32) throw new Error(`personal-data key ${key.id} must be 32 bytes`);
      if (!/^[A-Za-z0-9_-]{1,16}$/.test(key.id))
        throw new Error(`personal-data key id "${key.id}" must be 1-16 letters, digits, _ or -`);
      this.keys.set(key.id, {
        seal: derive(key.secret, 'seal'),
        iv: derive(key.secret, 'iv'),
      });
    }
    this.current = current.id;
    this.suite = options.suite ?? 'international';
    this.subjectKeys = options.subjectKeys ?? new MemorySubjectKeyStore();
    this.matchKeyId = options.matchKeyId ?? this.subjectKeys.matchKeyId(current.id);
    const matchMaster = [current, ...previous].find((k) => k.id === this.matchKeyId)?.secret;
    const secrets =
      options.matchSecrets ??
      this.subjectKeys.matchSecrets() ??
      (matchMaster && matchSecretsOf(matchMaster));
    if (!secrets)
      throw new Error(
        `匹配键来自个人信息主密钥“${this.matchKeyId}”，该密钥未配置（也没有重新封装把匹配键保存在已配置的密钥下）：请把它保留在 HUB_PII_PREVIOUS_KEYS 中 / match keys come from personal-data key "${this.matchKeyId}", which is not configured (and no rewrap kept them under a configured key): keep it in HUB_PII_PREVIOUS_KEYS`,
      );
    // Copied: a screening thread receives them as plain byte arrays.
    this.matchSecrets = { hs256: Buffer.from(secrets.hs256), hsm3: Buffer.from(secrets.hsm3) };
    this.match = new HmacSha256(this.matchSecrets.hs256);
    this.sm3MatchSecret = this.suite === 'national' ? this.matchSecrets.hsm3 : undefined;
  }

  /** What a copy of this vault for matching only (a screening thread) needs to know. */
  get matchingSettings(): { suite: CryptoSuite; matchKeyId: string; matchSecrets: MatchSecrets } {
    return { suite: this.suite, matchKeyId: this.matchKeyId, matchSecrets: this.matchSecrets };
  }

  /**
   * Re-wraps every data subject's key under the current master key, and keeps the match-key
   * secrets wrapped under it too (see SubjectKeyStore.rewrap): the master key match keys first
   * came from is then needed by neither.
   */
  rewrap(options?: RewrapOptions): Promise<RewrapReport> {
    return this.subjectKeys.rewrap(this.matchSecrets, options);
  }

  /** The master key a vault-wide sealed value (`seal`, not a sealed reference) is sealed under. */
  static sealedUnder(value: string): string | undefined {
    if (parseSealedRef(value)) return undefined;
    const parts = value.split('.');
    return parts.length === 4 && /^[A-Za-z0-9_-]{1,16}$/.test(parts[0]!) ? parts[0] : undefined;
  }

  /** Which keyed hash makes match keys; written into every sealed reference. */
  get matchAlg(): string {
    return this.sm3MatchSecret ? 'hsm3' : 'hs256';
  }

  private key(id = this.current): DerivedKey {
    const key = this.keys.get(id);
    if (!key) throw new SealError(`no personal-data key "${id}" is configured`);
    return key;
  }

  matchKey(value: string): string {
    if (this.sm3MatchSecret)
      return hmac('sm3', this.sm3MatchSecret, value).subarray(0, 24).toString('base64url');
    return base64UrlOf24(this.match.mac(value));
  }

  /** An ID number as events keep it: match key, mask, and the value sealed under its person's key. */
  sealIdNumber(idNumber: string): string {
    const id = idNumber.toUpperCase();
    const subject = this.matchKey(id);
    const { keyId, key } = this.subjectKeys.keyFor(subject);
    return formatSealedRef({
      kind: 'id',
      matchAlg: this.matchAlg,
      key: subject,
      masked: maskResidentId(id),
      keyId,
      sealed: key.seal(SUITES[this.suite].seal, id, { deterministic: true, associatedData: 'id' }),
    });
  }

  /** A certificate number that holds an ID number: keyed by its registry key, sealed under its holder's key. */
  sealCertificateNumber(type: CertificateType, number: string): string {
    const upper = number.toUpperCase();
    const embedded = EMBEDDED_ID.exec(upper)?.[0];
    if (!embedded) throw new Error('sealCertificateNumber: the number holds no ID number');
    const { keyId, key } = this.subjectKeys.keyFor(this.matchKey(embedded));
    return formatSealedRef({
      kind: 'cert',
      matchAlg: this.matchAlg,
      key: this.matchKey(certificateKey(type, upper)),
      masked: maskCertificateNumber(type, upper),
      keyId,
      sealed: key.seal(SUITES[this.suite].seal, upper, {
        deterministic: true,
        associatedData: 'cert',
      }),
    });
  }

  /**
   * Makes the subject keys of the sealed references in `sealed` (events, or any value holding
   * them) durable: before their events are appended. Answers `sealed` as it must be appended:
   * itself, or, where another process had made a person's key first, a copy with those values
   * sealed again under that key. Throws SubjectKeysChangedError when a key was destroyed meanwhile.
   */
  async commitKeys<T>(sealed: T): Promise<T> {
    const keyIds: string[] = [];
    visitSealedRefs(sealed, (ref) => void keyIds.push(ref.keyId));
    if (keyIds.length === 0) return sealed;
    const superseded = await this.subjectKeys.commit(keyIds);
    if (superseded.size === 0) return sealed;
    return resealed(sealed, (ref) => {
      const to = superseded.get(ref.keyId);
      if (!to) return undefined;
      const value = to.from.open(ref.sealed, { associatedData: ref.kind });
      return formatSealedRef({
        ...ref,
        keyId: to.keyId,
        sealed: to.key.seal(SUITES[this.suite].seal, value, {
          deterministic: true,
          associatedData: ref.kind,
        }),
      });
    });
  }

  close(): Promise<void> {
    return this.subjectKeys.close();
  }

  /** Destroys every key of a person (named by the match key of their ID number). */
  forget(subject: string, reason: string): Promise<number> {
    return this.subjectKeys.destroy(subject, reason);
  }

  seal(value: string): string {
    const key = this.key();
    const iv = createHmac('sha256', key.iv).update(value).digest().subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', key.seal, iv);
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [this.current, iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /**
   * Opens a sealed reference or a vault-wide sealed value; only unmaskHolder and the inbox
   * opener may call this. The subject's key is read afresh: one destroyed anywhere is gone here.
   */
  async unseal(sealed: string): Promise<string> {
    const ref = parseSealedRef(sealed);
    if (ref)
      return (await this.subjectKeys.key(ref.keyId))
        .open(ref.sealed, { associatedData: ref.kind })
        .toString('utf8');
    const [id, iv, body, tag] = sealed.split('.');
    if (!id || !iv || !body || !tag) throw new SealError('not a sealed value');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.key(id).seal,
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SealError(`sealed value does not open with key "${id}" (altered or wrong key)`);
    }
  }
}

/** `id:base64` as written in HUB_PII_KEY and, comma-separated, HUB_PII_PREVIOUS_KEYS. */
export function parseVaultKey(text: string, variable: string): VaultKey {
  const [id, base64] = text.split(':');
  const secret = base64 ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
  if (!id || secret.length !== 32)
    throw new Error(
      `${variable} must be <id>:<32 bytes in base64>, e.g. k2:${randomBytes(32).toString('base64')}`,
    );
  return { id, secret };
}

/**
 * The embedded default: a key file created on first use in the data directory (mode 0600),
 * so a hub started with no configuration still never stores an ID number in clear.
 */
export function loadOrCreateKeyFile(file: string): VaultKey {
  const text = readOrCreateSecretFile(file, () => `k1:${randomBytes(32).toString('base64')}\n`);
  return parseVaultKey(text.trim(), file);
}

/** Calls `visit` with each sealed reference in a value (strings, arrays, plain objects). */
function visitSealedRefs(value: unknown, visit: (ref: SealedRef) => void): void {
  if (typeof value === 'string') {
    const ref = parseSealedRef(value);
    if (ref) visit(ref);
  } else if (Array.isArray(value)) for (const v of value) visitSealedRefs(v, visit);
  else if (value && typeof value === 'object') {
    // Not Object.values: every event of every append is walked, and most hold no ref.
    const object = value as Record<string, unknown>;
    for (const key in object) if (Object.hasOwn(object, key)) visitSealedRefs(object[key], visit);
  }
}

/** The value with the references `replace` answers for replaced; unchanged parts are shared. */
function resealed<T>(value: T, replace: (ref: SealedRef) => string | undefined): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const ref = parseSealedRef(v);
      return (ref && replace(ref)) ?? v;
    }
    if (Array.isArray(v)) {
      const copy = v.map(walk);
      return copy.some((c, i) => c !== v[i]) ? copy : v;
    }
    if (v && typeof v === 'object') {
      const entries = Object.entries(v);
      const copy = entries.map(([k, c]) => [k, walk(c)] as const);
      return copy.some(([, c], i) => c !== entries[i]![1]) ? Object.fromEntries(copy) : v;
    }
    return v;
  };
  // The same shape as given: only strings inside it were replaced by strings.
  return walk(value) as T;
}
