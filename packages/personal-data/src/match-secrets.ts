import { hkdfSync } from 'node:crypto';

/** A vault-wide key from a master key's secret, by purpose (HKDF-SHA-256). */
export const deriveVaultKey = (secret: Uint8Array, purpose: string) =>
  Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `hub/${purpose}`, 32));

/**
 * What match keys are made from: the HMAC keys of both suites, derived from the master key
 * match keys first came from. Kept wrapped under the current master key after a rewrap, they
 * outlive that first master key, so it can be retired while match keys stay byte-identical.
 */
export interface MatchSecrets {
  /** The key of HMAC-SHA-256 match keys (international suite). */
  hs256: Buffer;
  /** The key of HMAC-SM3 match keys (national suite). */
  hsm3: Buffer;
}

export const matchSecretsOf = (masterSecret: Uint8Array): MatchSecrets => ({
  hs256: deriveVaultKey(masterSecret, 'match'),
  hsm3: deriveVaultKey(masterSecret, 'match-sm3'),
});

/** Both keys as one 64-byte value, the form that is wrapped and stored. */
export const packMatchSecrets = (s: MatchSecrets): Buffer => Buffer.concat([s.hs256, s.hsm3]);

export function unpackMatchSecrets(bytes: Uint8Array): MatchSecrets {
  if (bytes.length !== 64)
    throw new Error('保存的匹配键应为 64 字节 / stored match-key secrets must be 64 bytes');
  const b = Buffer.from(bytes);
  return { hs256: b.subarray(0, 32), hsm3: b.subarray(32, 64) };
}
