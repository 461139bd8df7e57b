import pg from 'pg';
import type { HashAlg } from '@hub/crypto';
import { auditLogContract } from '../contract/index.js';
import { PostgresAuditLog } from './postgres-audit-log.js';

const url = process.env.TEST_POSTGRES_URL;
const skip = process.env.TEST_POSTGRES_SKIP ?? 'no PostgreSQL';
const schemas: string[] = [];
let alg: HashAlg = 'sha256';

/** Changes the log with a connection of its own, as someone with database access would. */
async function tamper(sql: string, ...params: unknown[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET search_path = ${schemas[schemas.length - 1]!}`);
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

(url ? describe : describe.skip)(
  `PostgresAuditLog (audit-log contract)${url ? '' : ` (skipped: ${skip})`}`,
  () => {
    afterAll(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await client.end();
    });
    const connect = () =>
      new PostgresAuditLog({ connectionString: url!, alg, schema: schemas[schemas.length - 1]! });
    auditLogContract({
      async open(chosen) {
        alg = chosen;
        schemas.push(`hub_audit_test_${process.pid}_${schemas.length}`);
        return connect();
      },
      async reopen() {
        return connect();
      },
      async alterDocument(seq, change) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`SET search_path = ${schemas[schemas.length - 1]!}`);
          const { rows } = await client.query<{ document: string }>(
            'SELECT document FROM audit_log WHERE seq = $1',
            [seq],
          );
          await client.query('UPDATE audit_log SET document = $1 WHERE seq = $2', [
            change(rows[0]!.document),
            seq,
          ]);
        } finally {
          await client.end();
        }
      },
      async removeRecord(seq) {
        await tamper('DELETE FROM audit_log WHERE seq = $1', seq);
      },
      async alterHolderColumn(seq, holderKey) {
        await tamper('UPDATE audit_log SET holder_key = $1 WHERE seq = $2', holderKey, seq);
      },
    });
  },
);
