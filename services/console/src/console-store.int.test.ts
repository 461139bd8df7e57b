import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@hub/event-store-postgres';
import { consoleStoreContract } from './console-store.contract.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { PostgresConsoleStore } from './postgres-console-store.js';
import { SqliteConsoleStore } from './sqlite-console-store.js';

describe('SqliteConsoleStore (console-store contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = () => join(dirs[dirs.length - 1]!, 'hub.db');
  consoleStoreContract({
    async open(now) {
      dirs.push(mkdtempSync(join(tmpdir(), 'console-store-')));
      return new SqliteConsoleStore(file(), now);
    },
    async reopen(now) {
      return new SqliteConsoleStore(file(), now);
    },
  });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `PostgresConsoleStore (console-store contract)${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let schemas = 0;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hubusers_console')));
    afterAll(async () => db?.drop());
    const connect = (now: () => number) =>
      new PostgresConsoleStore({ connectionString: db.url, schema: `s${schemas}`, now });
    consoleStoreContract({
      async open(now) {
        schemas++;
        return connect(now);
      },
      async reopen(now) {
        return connect(now);
      },
    });
  },
);

describe('passwords', () => {
  it('are kept as salted scrypt hashes that verify only the same password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });

  it('must be at least 10 characters', () => {
    expect(passwordProblem('short')).toMatch(/至少 10 个字符/);
    expect(passwordProblem('long enough')).toBeUndefined();
  });
});
