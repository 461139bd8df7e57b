import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '@hub/crypto';
import { residentIdFor } from '@hub/domain/testing';
import { createTestDatabase } from '@hub/event-store-postgres';
import { SubjectKeyDestroyedError, type PersonalDataVault } from '@hub/personal-data';
import { personalDataCommand } from '../cli/personal-data-commands.js';
import { openAuditLog, openReadModels, openVault } from '../compose.js';
import { loadConfig, type HubConfig } from '../config.js';

const adminUrl = process.env.TEST_POSTGRES_URL;
const A = residentIdFor('19800101', 1);
const B = residentIdFor('19800101', 2);
const keyText = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/** A registry record as one projected from an event recorded with its ID number in clear. */
async function putLegacyRecord(config: HubConfig, vault: PersonalDataVault, at: bigint) {
  const readModels = openReadModels(config);
  try {
    await readModels.commit([
      {
        projection: 'certificate-registry',
        version: 1,
        after: at === 1n ? undefined : at - 1n,
        position: at,
        documents: [{ key: 'legacy', value: { holderSealed: vault.seal(A) } }],
        facts: [],
      },
    ]);
  } finally {
    await readModels.close();
  }
}

async function rewrap(config: HubConfig): Promise<string> {
  const lines: string[] = [];
  await personalDataCommand(config, ['rewrap'], {}, (l) => void lines.push(l));
  return lines.join('\n');
}

function rewrapOnADataDirectory(mode: string, extra: () => Record<string, string>) {
  describe(`hub personal-data rewrap (${mode})`, () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-rewrap-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const configWith = (current: string, previous?: string) =>
      loadConfig({
        HUB_DATA_DIR: dir,
        HUB_PII_KEY: current,
        ...(previous ? { HUB_PII_PREVIOUS_KEYS: previous } : {}),
        ...extra(),
      });

    it('re-wraps under the new master key, names what still needs the old one, and once nothing does, a hub without it opens everything', async () => {
      const k1 = keyText('k1');
      const k2 = keyText('k2');
      const old = configWith(k1);
      const before = await openVault(old);
      const a = before.sealIdNumber(A);
      const b = before.sealIdNumber(B);
      await before.commitKeys([a, b]);
      await before.forget(before.matchKey(B), '保存期限届满');
      const matchKey = before.matchKey(A);
      await putLegacyRecord(old, before, 1n);
      await before.close();

      // Positive control: the old key simply removed, the vault refuses to start, naming it.
      await expect(openVault(configWith(k2))).rejects.toThrow(
        /match keys come from personal-data key "k1", which is not configured/,
      );

      const rotated = configWith(k2, k1);
      const first = await rewrap(rotated);
      expect(first).toContain('re-wrapped 1 data subject key(s) under master key k2');
      // The registry still holds a value sealed under k1 itself: k1 cannot go yet.
      expect(first).toMatch(
        /仍需要主密钥 k1.*master key k1 is still needed: 1 certificate registry record/,
      );
      expect(first).not.toContain('can be removed');

      // What a rebuild of the registry does: the record sealed again, under k2.
      const vault = await openVault(rotated);
      await putLegacyRecord(rotated, vault, 2n);
      await vault.close();
      const second = await rewrap(rotated);
      expect(second).toContain('re-wrapped 0 data subject key(s)');
      expect(second).toMatch(
        /主密钥 k1 已不再需要.*master key k1 is no longer needed: it can be removed from HUB_PII_PREVIOUS_KEYS/,
      );

      const retired = await openVault(configWith(k2));
      try {
        expect(retired.matchKey(A)).toBe(matchKey);
        expect(await retired.unseal(a)).toBe(A);
        await expect(retired.unseal(b)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
        const readModels = openReadModels(configWith(k2));
        const doc = (await readModels.getDocuments('certificate-registry', ['legacy'])).get(
          'legacy',
        ) as { holderSealed: string };
        await readModels.close();
        expect(await retired.unseal(doc.holderSealed)).toBe(A);
      } finally {
        await retired.close();
      }

      // Both runs on the audit record, with counts and key ids, never key material.
      const log = openAuditLog(rotated);
      const { records } = await log.query({ action: 'personal_data.rewrap' }, { first: 10 });
      await log.close();
      expect(records.map((r) => r.subject.count).sort()).toEqual([0, 1]);
      expect(records.map((r) => r.subject.args?.removable).sort()).toEqual(['', 'k1']);
      const text = JSON.stringify(records);
      for (const k of [k1, k2]) expect(text).not.toContain(k.split(':')[1]);
      expect(text).not.toContain(A);
    });
  });
}

rewrapOnADataDirectory('embedded: vault.db', () => ({}));

(adminUrl ? describe : describe.skip)(
  `server mode${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> } | undefined;
    const signing = generateSigningKeyPair('ed25519');
    const jwt = randomBytes(32).toString('base64');
    beforeEach(async () => (db = await createTestDatabase(adminUrl!, 'hubstate_rewrap')));
    afterEach(async () => db?.drop());
    rewrapOnADataDirectory('server: PostgreSQL', () => ({
      DATABASE_URL: db!.url,
      HUB_JWT_SECRET: jwt,
      HUB_SIGNING_KEY: signing.privateKeyPem + signing.publicKeyPem,
    }));
  },
);
