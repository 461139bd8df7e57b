/**
 * The worker side of `ThreadedSqliteEventStore`: owns the only writing connection to the file
 * and commits what the main thread sends, in order. Appends that arrive while a commit syncs
 * are committed together at the next one (the store's group commit). Each answer is sent after
 * its transaction has committed with synchronous FULL, or failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from './sqlite-event-store.js';
import type {
  AppendThreadOptions,
  AppendThreadReply,
  AppendThreadRequest,
} from './threaded-sqlite-event-store.js';
import { toWire } from './wire-errors.js';

const port = parentPort!;
const store = new SqliteEventStore(workerData as AppendThreadOptions);

port.on('message', (request: AppendThreadRequest) => {
  const answer = (reply: AppendThreadReply) => port.postMessage(reply);
  if (request.kind === 'append') {
    store.appendMany(request.requests).then(
      (results) => answer({ id: request.id, results }),
      (error: unknown) => answer({ id: request.id, error: toWire(error) }),
    );
  } else {
    // Messages arrive in order: every append sent before this one is queued, and close waits
    // for the queue to commit.
    store.close().then(
      () => answer({ id: request.id, results: [] }),
      (error: unknown) => answer({ id: request.id, error: toWire(error) }),
    );
  }
});
