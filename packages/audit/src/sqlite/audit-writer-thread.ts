/**
 * The worker side of the audit log's writer thread: owns one writing connection to audit.db
 * and appends what the main thread sends, in order, hashing and canonicalising there. Started
 * by `SqliteAuditLog` with `writerThread`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HashAlg } from '@hub/crypto';
import { SqliteAuditLog } from './sqlite-audit-log.js';
import type { AppendReply, AppendRequest } from './thread-messages.js';

const { filename, alg } = workerData as { filename: string; alg: HashAlg };
const log = new SqliteAuditLog(filename, { alg });

parentPort!.on('message', (request: AppendRequest | { id: number; close: true }) => {
  if ('close' in request) {
    void log.close().then(() => parentPort!.postMessage({ id: request.id, records: [] }));
    return;
  }
  log.append(request.bodies, { durable: request.durable }).then(
    (records) => parentPort!.postMessage({ id: request.id, records } satisfies AppendReply),
    (error: Error & { code?: string }) =>
      parentPort!.postMessage({
        id: request.id,
        error: { message: error.message, ...(error.code ? { code: error.code } : {}) },
      } satisfies AppendReply),
  );
});
