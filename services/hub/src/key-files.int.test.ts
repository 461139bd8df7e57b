import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type * as Crypto from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateJwtSecret } from '@hub/graphql';
import { loadOrCreateKeyFile } from '@hub/personal-data';

// The race of two processes starting at once, made deterministic: while this process makes
// its new secret, "another process" creates the key file first.
let whileMakingTheSecret: (() => void) | undefined;
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof Crypto>('node:crypto');
  return {
    ...actual,
    randomBytes: (size: number) => {
      const hook = whileMakingTheSecret;
      whileMakingTheSecret = undefined;
      hook?.();
      return actual.randomBytes(size);
    },
  };
});

describe('key files in the data directory', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const otherPii = `k1:${Buffer.alloc(32, 7).toString('base64')}\n`;
  const otherJwt = `${Buffer.alloc(32, 9).toString('base64')}\n`;

  it('pii.key created by another process at the same moment is kept, not overwritten', () => {
    const file = join(dir, 'pii.key');
    whileMakingTheSecret = () => writeFileSync(file, otherPii, { mode: 0o600 });
    const key = loadOrCreateKeyFile(file);
    expect(key.secret.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(otherPii);
  });

  it('jwt.key created by another process at the same moment is kept, not overwritten', () => {
    const file = join(dir, 'jwt.key');
    whileMakingTheSecret = () => writeFileSync(file, otherJwt, { mode: 0o600 });
    const secret = loadOrCreateJwtSecret(file);
    expect(Buffer.from(secret).equals(Buffer.alloc(32, 9))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(otherJwt);
  });

  it('a new key file is private to the hub (0600) and read back the same on the next start', () => {
    const file = join(dir, 'pii.key');
    const first = loadOrCreateKeyFile(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyFile(file).secret.equals(first.secret)).toBe(true);
  });
});
