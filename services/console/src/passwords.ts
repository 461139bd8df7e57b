import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are kept as a slow salted hash (scrypt, N=2^15, r=8, p=1: about 32 MiB and a
 * tenth of a second each), written `scrypt$N$r$p$salt$hash` so the cost can rise later
 * without breaking the hashes already stored.
 */
const COST = { N: 1 << 15, r: 8, p: 1 };
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...options, maxmem: 128 << 20 }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when the user name is unknown, so both take the same time. */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> =>
  (decoy ??= hashPassword(randomBytes(16).toString('hex')));

/** What a password must be: long enough to resist guessing (GB/T 22239 asks for complexity). */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < 10)
    return '密码至少 10 个字符，请换一个更长的密码 / the password needs at least 10 characters: choose a longer one';
  if ([...password].length > 200)
    return '密码过长（最多 200 个字符） / the password is too long (200 characters at most)';
  return undefined;
}
