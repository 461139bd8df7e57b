/**
 * A match key (32 base64url characters, see PersonalDataVault.matchKey) as its 24 bytes, for
 * tables that hold millions of keys: bytes in typed arrays cost no garbage collection.
 */
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) SEXTET[BASE64URL.charCodeAt(i)] = i;

export const MATCH_KEY_BYTES = 24;

/** Writes the key's 24 bytes at `out[at]`; false (and `out` partly written) if it is not a match key. */
export function matchKeyBytes(key: string, out: Uint8Array, at: number): boolean {
  if (key.length !== 32) return false;
  for (let i = 0; i < 32; i += 4) {
    let group = 0;
    for (let j = 0; j < 4; j++) {
      const code = key.charCodeAt(i + j);
      const sextet = code < 128 ? SEXTET[code]! : -1;
      if (sextet < 0) return false;
      group = (group << 6) | sextet;
    }
    const o = at + (i / 4) * 3;
    out[o] = group >>> 16;
    out[o + 1] = (group >>> 8) & 0xff;
    out[o + 2] = group & 0xff;
  }
  return true;
}
