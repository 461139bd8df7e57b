import { Worker } from 'node:worker_threads';
import type { ExceptPair } from '@hub/domain';
import { builtWorkerScript } from '../worker-script.js';
import { CheckpointConflictError, ReadModelStoreFullError } from '../port.js';
import type { WriterBatch } from './sqlite-writer.js';

export type WriterCommand =
  | { kind: 'commit'; batches: WriterBatch[] }
  | { kind: 'reset'; projection: string }
  | { kind: 'close' };
export type WriterRequest = WriterCommand & { id: number };
export interface WriterReply {
  id: number;
  error?: { message: string; code?: string };
}

/**
 * Writes read models on a thread of its own, so that while one page of events commits the
 * next is already read and projected (a rebuild keeps both cores busy). Requests are applied
 * in the order they are sent; each answers when its transaction has committed or failed.
 * The thread starts with the first request: a store that only reads (the embedded hub's
 * request thread, whose projections run elsewhere) loads nothing for it.
 */
export class ThreadWriter {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failed: Error | undefined;

  constructor(
    private readonly filename: string,
    private readonly exceptPairs: readonly ExceptPair[],
  ) {}

  /** Whether the thread was started (by a first request). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    this.worker = new Worker(builtWorkerScript(new URL('./writer-thread.js', import.meta.url)), {
      workerData: { filename: this.filename, exceptPairs: this.exceptPairs },
    });
    this.worker.on('message', (reply: WriterReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!reply.error) return waiter?.resolve();
      const error =
        reply.error.code === 'CHECKPOINT_CONFLICT'
          ? new CheckpointConflictError(reply.error.message)
          : reply.error.code === 'READ_MODEL_STORE_FULL'
            ? new ReadModelStoreFullError()
            : Object.assign(new Error(reply.error.message), { code: reply.error.code });
      waiter?.reject(error);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`read-model writer thread exited (${code})`)),
    );
    return this.worker;
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  private send(request: WriterCommand): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.thread().postMessage({ ...request, id });
    });
  }

  commit(batches: WriterBatch[]): Promise<void> {
    return this.send({ kind: 'commit', batches });
  }

  reset(projection: string): Promise<void> {
    return this.send({ kind: 'reset', projection });
  }

  async close(): Promise<void> {
    if (!this.worker) return;
    if (!this.failed) await this.send({ kind: 'close' });
    await this.worker.terminate();
  }
}
