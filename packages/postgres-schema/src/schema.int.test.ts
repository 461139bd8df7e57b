import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  migrate,
  openSchemaPool,
  schemaName,
  SchemaTooNewError,
  type Migrations,
} from './schema.js';

const adminUrl = process.env.TEST_POSTGRES_URL;

describe('schemaName', () => {
  it('takes a plain identifier, public by default', () => {
    expect(schemaName(undefined)).toBe('public');
    expect(schemaName('hub_a1')).toBe('hub_a1');
  });
  it('refuses anything that is not a plain identifier, in Chinese first', () => {
    for (const bad of ['Hub', 'a;drop table x', '1abc', 'a-b', ''])
      expect(() => schemaName(bad)).toThrow(/^模式名.*schema name/);
  });
});

(adminUrl ? describe : describe.skip)(
  `versioned migrations on PostgreSQL${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    const schemas: string[] = [];
    const pools: pg.Pool[] = [];
    const fresh = () => {
      const schema = `mig_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return schema;
    };
    const open = (schema: string, steps: readonly string[]) => {
      const opened = openSchemaPool({
        connectionString: adminUrl!,
        schema,
        max: 2,
        migrations: { versionTable: 'things_schema', lock: 91_000_001, steps },
      });
      pools.push(opened.pool);
      return opened;
    };
    afterAll(async () => {
      await Promise.all(pools.map((p) => p.end()));
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await admin.end();
    });

    const V1 = 'CREATE TABLE things (id INTEGER PRIMARY KEY)';
    const V2 = 'ALTER TABLE things ADD COLUMN label TEXT';

    it('applies each step once, in order, and records the version', async () => {
      const schema = fresh();
      const first = open(schema, [V1]);
      await first.ready;
      await first.pool.query('INSERT INTO things VALUES (1)');
      // A later release adds a step: only that one runs, the rows stay.
      const second = open(schema, [V1, V2]);
      await second.ready;
      await second.pool.query("UPDATE things SET label = 'a'");
      const { rows } = await second.pool.query('SELECT id, label FROM things');
      expect(rows).toEqual([{ id: 1, label: 'a' }]);
      const version = await second.pool.query('SELECT version FROM things_schema');
      expect(version.rows).toEqual([{ version: 2 }]);
      // Opening again changes nothing (a step run twice would fail: the column exists).
      await open(schema, [V1, V2]).ready;
    });

    it('lets processes starting at once migrate one by one', async () => {
      const schema = fresh();
      const all = Array.from({ length: 4 }, () => open(schema, [V1, V2]));
      await Promise.all(all.map((o) => o.ready));
      const { rows } = await all[0]!.pool.query('SELECT count(*)::int AS n FROM things_schema');
      expect(rows[0].n).toBe(1);
    });

    it('leaves the database as it was when a step fails', async () => {
      const schema = fresh();
      const broken = open(schema, [V1, 'ALTER TABLE no_such_table ADD COLUMN x TEXT']);
      await expect(broken.ready).rejects.toThrow(/no_such_table/);
      const { rows } = await broken.pool.query(
        'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      expect(rows[0].n).toBe(0);
      // Control: the same steps without the broken one apply.
      await open(schema, [V1]).ready;
    });

    it('refuses a database migrated by a newer hub, changing nothing', async () => {
      const schema = fresh();
      await open(schema, [V1, V2]).ready;
      const older = open(schema, [V1]);
      await expect(older.ready).rejects.toThrow(SchemaTooNewError);
      await expect(older.ready).rejects.toThrow(/结构版本为 2.*knows 1/);
      const { rows } = await older.pool.query('SELECT version FROM things_schema');
      expect(rows).toEqual([{ version: 2 }]);
    });

    it('works on connections whose search path is the store schema', async () => {
      const schema = fresh();
      const opened = open(schema, [V1]);
      await opened.ready;
      const { rows } = await opened.pool.query('SHOW search_path');
      expect(rows[0].search_path).toBe(schema);
      // And through migrate() on a pool of one's own.
      const pool = new pg.Pool({ connectionString: adminUrl, max: 1 });
      pools.push(pool);
      const m: Migrations = {
        versionTable: 'other_schema',
        lock: 91_000_002,
        steps: [V1.replace('things', `${schema}.others`)],
      };
      await migrate(pool, schema, m);
      const tables = await pool.query(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [schema],
      );
      expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual([
        'other_schema',
        'others',
        'things',
        'things_schema',
      ]);
    });
  },
);
