/**
 * The worker side of a read-model writer thread: owns the only writing connection to the
 * file and applies what the main thread sends, in order. Started by `ThreadWriter`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExceptPair } from '@hub/domain';
import { createBatchWriter, openReadModelFile, type WriterBatch } from './sqlite-writer.js';
import type { WriterReply, WriterRequest } from './thread-writer.js';

const data = workerData as { filename: string; exceptPairs: ExceptPair[] };
const db = openReadModelFile(data.filename);
const writer = createBatchWriter(db, data.exceptPairs);

// A position beyond 63 bits crosses as a Uint8Array; SQLite should see a blob. Most batches
// have none, and are not copied.
const crossedBytes = (v: unknown): v is Uint8Array =>
  v instanceof Uint8Array && !Buffer.isBuffer(v);
const asBuffers = (batch: WriterBatch): WriterBatch =>
  batch.facts.some(crossedBytes)
    ? {
        ...batch,
        facts: batch.facts.map((v) => (crossedBytes(v) ? Buffer.from(v) : v)),
      }
    : batch;

parentPort!.on('message', (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    if (request.kind === 'commit') writer.apply(request.batches.map(asBuffers));
    else if (request.kind === 'reset') writer.reset(request.projection);
    else db.close();
    reply = { id: request.id };
  } catch (error) {
    const e = error as Error & { code?: string };
    reply = { id: request.id, error: { message: e.message, ...(e.code ? { code: e.code } : {}) } };
  }
  parentPort!.postMessage(reply);
});
