import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { PersonalDataProtector } from '@hub/domain';
import { base64UrlOf24, HmacSha256 } from './hmac-sha256.js';
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

const derive = (secret: Buffer, purpose: string) =>
  Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `hub/${purpose}`, 32));

interface DerivedKey {
  match: HmacSha256;
  seal: Buffer;
  iv: Buffer;
}

/**
 * Keyed hashes (HMAC-SHA-256) for matching, and sealed copies (AES-256-GCM) for authorized
 * unmasking. Sealing is deterministic (the IV is a keyed hash of the value, as in SIV modes):
 * a rebuilt read model is byte-identical, and equal values reveal only what the match key
 * already reveals. Every key comes from one secret per key id through HKDF.
 */
export class PersonalDataVault implements PersonalDataProtector {
  private readonly keys = new Map<string, DerivedKey>();
  private readonly current: string;

  constructor(current: VaultKey, previous: readonly VaultKey[] = []) {
    for (const key of [current, ...previous]) {
      if (key.secret.length !== 32) throw new Error(`personal-data key ${key.id} must be 32 bytes`);
      if (!/^[A-Za-z0-9_-]{1,16}$/.test(key.id))
        throw new Error(`personal-data key id "${key.id}" must be 1-16 letters, digits, _ or -`);
      this.keys.set(key.id, {
        match: new HmacSha256(derive(key.secret, 'match')),
        seal: derive(key.secret, 'seal'),
        iv: derive(key.secret, 'iv'),
      });
    }
    this.current = current.id;
  }

  private key(id = this.current): DerivedKey {
    const key = this.keys.get(id);
    if (!key) throw new SealError(`no personal-data key "${id}" is configured`);
    return key;
  }

  matchKey(value: string): string {
    return base64UrlOf24(this.key().match.mac(value));
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

  unseal(sealed: string): string {
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
