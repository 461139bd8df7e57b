import { Worker } from 'node:worker_threads';
import type { CertificateType } from '@hub/domain';
import type { CryptoSuite, MatchSecrets, VaultKey } from '@hub/personal-data';
import { builtWorkerScript, type ReadModelLocation } from '@hub/read-models';
import type { TableRun } from '../files/table-reader.js';
import type { CompactRegistryMemory } from '../registry-index/compact-registry.js';
import type { RegistryIndex } from '../registry-index/registry-index.js';
import type { ScreenedChunk } from './screen-chunk.js';
import type { ChunkScreener } from './screen-roster.js';

export interface ThreadSetup {
  readModels: ReadModelLocation;
  keys: {
    current: VaultKey;
    previous: VaultKey[];
    /**
     * The hub vault's suite, match key and match-key secrets (kept by the vault after a rewrap,
     * so a retired master key is not needed): the thread's keyed hashes must be the same.
     */
    matching?: { suite: CryptoSuite; matchKeyId: string; matchSecrets?: MatchSecrets };
  };
}
export interface ChunkRequest {
  kind: 'chunk';
  id: number;
  run: TableRun;
  today: string;
  certificateType?: CertificateType;
  /** Look certificates up in the registry memory last sent (it is current); else in the read models. */
  inMemory: boolean;
}
/** The registry in shared memory, or a newer generation of it. */
export interface RegistryMemoryMessage {
  kind: 'registry';
  memory: CompactRegistryMemory;
}
export type ThreadMessage = ChunkRequest | RegistryMemoryMessage;
export type ChunkReply = { id: number; screened: ScreenedChunk } | { id: number; error: string };

interface Waiter {
  resolve: (chunk: ScreenedChunk) => void;
  reject: (error: Error) => void;
}

/**
 * Worker threads that screen roster chunks (keyed hashes, registry lookups, verification)
 * in parallel, each with its own connection to the read models. The roster is still read,
 * and its rows handed out in order, on the calling thread. Shared by all screenings, and
 * started by the first: each loads the roster readers (exceljs and the rest), 2.5–4 s of CPU
 * here, which a hub starting (and its projections catching up) should not pay for nothing.
 */
export class ScreeningThreads implements ChunkScreener {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;
  private closed = false;
  /** Why the threads can no longer screen (one of them died): later screenings fail at once. */
  private broken: Error | undefined;

  /** The generation of the registry memory the threads hold. */
  private sentGeneration: number | undefined;

  /** @param index when given, certificates are looked up in its shared memory while it is current */
  constructor(
    private readonly setup: ThreadSetup,
    readonly parallelism: number,
    private readonly index?: RegistryIndex,
  ) {}

  /** Threads started so far: none until the first screening, then `parallelism`. */
  get running(): number {
    return this.workers.length;
  }

  private start(): void {
    if (this.workers.length > 0) return;
    const script = builtWorkerScript(new URL('./screening-thread.js', import.meta.url));
    for (let i = 0; i < this.parallelism; i++) {
      const worker = new Worker(script, { workerData: this.setup });
      worker.on('message', (reply: ChunkReply) => {
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        this.keepAlive();
        if ('error' in reply) waiter?.reject(new Error(`screening thread: ${reply.error}`));
        else waiter?.resolve(reply.screened);
      });
      worker.on('error', (error) => {
        this.broken ??= error;
        this.failAll(error);
      });
      worker.on('exit', (code) => {
        if (this.closed) return;
        this.broken ??= new Error(`a screening thread exited (${code})`);
        this.failAll(this.broken);
      });
      this.workers.push(worker);
    }
    this.keepAlive();
  }

  /** Threads keep the process alive only while a chunk is out: idle, they never hold it. */
  private keepAlive(): void {
    for (const worker of this.workers)
      if (this.waiting.size > 0) worker.ref();
      else worker.unref();
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.keepAlive();
  }

  async screen(
    run: TableRun,
    options: { today: string; certificateType?: CertificateType },
  ): Promise<ScreenedChunk> {
    const id = this.nextId++;
    // Asked before every chunk: certificates changed since the last one are re-read first.
    const memory = await this.index?.current();
    if (this.closed) throw new Error('screening threads are closed');
    if (this.broken) throw this.broken;
    this.start();
    if (memory && memory.generation !== this.sentGeneration) {
      for (const worker of this.workers)
        worker.postMessage({ kind: 'registry', memory } satisfies ThreadMessage);
      this.sentGeneration = memory.generation;
    }
    return new Promise<ScreenedChunk>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.keepAlive();
      const request: ThreadMessage = {
        kind: 'chunk',
        id,
        run,
        today: options.today,
        inMemory: memory !== undefined,
        ...(options.certificateType ? { certificateType: options.certificateType } : {}),
      };
      this.workers[id % this.workers.length]!.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('screening threads are closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
