import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { HashAlg } from '@hub/crypto';
import { auditLogContract } from '../contract/index.js';
import { SqliteAuditLog } from './sqlite-audit-log.js';

let dir: string;
let file = '';
let alg: HashAlg = 'sha256';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hub-audit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes with a connection of its own, as someone with the file would. */
function tamper(sql: string, ...params: unknown[]) {
  const db = new Database(file);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

let n = 0;
describe.each([
  ['on the calling thread', false],
  ['with a writer thread', true],
])('SqliteAuditLog, %s (audit-log contract)', (_how, writerThread) => {
  auditLogContract({
    async open(chosen) {
      alg = chosen;
      file = join(dir, `audit-${++n}.db`);
      return new SqliteAuditLog(file, { alg, writerThread });
    },
    async reopen() {
      return new SqliteAuditLog(file, { alg, writerThread });
    },
    async alterDocument(seq, change) {
      const db = new Database(file);
      try {
        const { document } = db
          .prepare<[number], { document: string }>('SELECT document FROM audit_log WHERE seq = ?')
          .get(seq)!;
        db.prepare('UPDATE audit_log SET document = ? WHERE seq = ?').run(change(document), seq);
      } finally {
        db.close();
      }
    },
    async removeRecord(seq) {
      tamper('DELETE FROM audit_log WHERE seq = ?', seq);
    },
    async alterHolderColumn(seq, holderKey) {
      tamper('UPDATE audit_log SET holder_key = ? WHERE seq = ?', holderKey, seq);
    },
  });
});
