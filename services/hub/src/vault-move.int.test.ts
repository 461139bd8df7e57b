import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '@hub/crypto';
import { residentIdFor } from '@hub/domain/testing';
import { createTestDatabase } from '@hub/event-store-postgres';
import { SubjectKeyDestroyedError } from '@hub/personal-data';
import { personalDataCommand } from './cli/personal-data-commands.js';
import { openVault } from './compose.js';
import { loadConfig } from './config.js';

const adminUrl = process.env.TEST_POSTGRES_URL;
const A = residentIdFor('19800101', 1);
const B = residentIdFor('19800101', 2);

(adminUrl ? describe : describe.skip)(
  `an embedded hub's subject keys moved into PostgreSQL${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let dir: string;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hubstate_move')));
    afterAll(async () => db?.drop());
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-vault-move-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses server mode while vault.db holds keys; moved, what was sealed opens, what was forgotten stays so, and vault.db is gone', async () => {
      const pii = `k1:${randomBytes(32).toString('base64')}`;
      const embedded = loadConfig({ HUB_DATA_DIR: dir, HUB_PII_KEY: pii });
      const before = await openVault(embedded);
      const a = before.sealIdNumber(A);
      const b = before.sealIdNumber(B);
      await before.commitKeys([a, b]);
      await before.forget(before.matchKey(B), '保存期限届满');
      await before.close();

      const signing = generateSigningKeyPair('ed25519');
      const server = loadConfig({
        HUB_DATA_DIR: dir,
        HUB_PII_KEY: pii,
        HUB_JWT_SECRET: randomBytes(32).toString('base64'),
        HUB_SIGNING_KEY: signing.privateKeyPem + signing.publicKeyPem,
        DATABASE_URL: db.url,
      });
      await expect(openVault(server)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/仍有个人信息密钥.*hub personal-data move-keys/),
      });

      const lines: string[] = [];
      await personalDataCommand(server, ['move-keys'], {}, (l) => void lines.push(l));
      expect(lines.join('\n')).toContain('moved 2 data subject key(s) into PostgreSQL');
      expect(existsSync(join(dir, 'vault.db'))).toBe(false);

      const after = await openVault(server);
      try {
        expect(after.matchKey(A)).toBe(before.matchKey(A));
        expect(await after.unseal(a)).toBe(A);
        await expect(after.unseal(b)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
        // The moved key stays the person's key: a retried event seals to the same bytes.
        expect(await after.commitKeys(after.sealIdNumber(A))).toBe(a);
      } finally {
        await after.close();
      }

      // Run again: nothing left to move, and nothing moved twice.
      lines.length = 0;
      await personalDataCommand(server, ['move-keys'], {}, (l) => void lines.push(l));
      expect(lines.join('\n')).toContain('nothing to move');
    });
  },
);
