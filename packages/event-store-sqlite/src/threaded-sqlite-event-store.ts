import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  EventStoreUnavailableError,
  InvalidAppendError,
  type AppendRequest,
  type AppendResult,
  type ChainLinkRecord,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
  type SubscriptionOptions,
} from '@hub/event-store';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.js';
import { fromWire, type WireError } from './wire-errors.js';

/**
 * What the writer thread is opened with: the store's options that can cross to a thread (not
 * functions or live objects: the clock, the id key, the logger, appends on their way).
 */
export type AppendThreadOptions = Omit<
  SqliteEventStoreOptions,
  'now' | 'eventIdKey' | 'logger' | 'commitDelay'
>;

export type AppendThreadRequest =
  | { id: number; kind: 'append'; requests: readonly AppendRequest[] }
  | { id: number; kind: 'close' };
export type AppendThreadReply =
  { id: number; results: AppendResult[]; error?: undefined } | { id: number; error: WireError };

interface Waiter {
  resolve: (results: AppendResult[]) => void;
  reject: (error: Error) => void;
}

/**
 * The embedded store with its appends committed on a thread of its own: the sync of each
 * commit (synchronous FULL) no longer holds up this thread's HTTP parsing, validation and
 * projections. An append answers only once the thread's transaction has committed, so what is
 * acknowledged is as durable as with `SqliteEventStore`. Reads and subscriptions use this
 * thread's own connection (WAL: they see every commit), and subscribers are woken by each
 * acknowledged commit.
 */
export class ThreadedSqliteEventStore implements EventStore {
  private readonly reader: SqliteEventStore;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;
  private failed: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: AppendThreadOptions) {
    // Opened first: it creates or upgrades the schema before the thread opens the file.
    this.reader = new SqliteEventStore(options);
    this.worker = new Worker(appendThreadScript(), { workerData: options });
    // Idle, the thread does not keep the process alive; while an append waits, it does.
    this.worker.unref();
    this.worker.on('message', (reply: AppendThreadReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the writer thread exited (${code})`)));
  }

  private settle(reply: AppendThreadReply): void {
    const waiter = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.error) return waiter?.reject(fromWire(reply.error));
    // Committed (for a group, each of its appends answers after the one commit).
    this.reader.notifyAppended();
    waiter?.resolve(reply.results);
  }

  private fail(error: Error): void {
    this.failed ??= new EventStoreUnavailableError(
      `事件库写入线程已停止 / the event store's writer thread stopped: ${error.message}`,
      { cause: error },
    );
    for (const waiter of this.waiting.values()) waiter.reject(this.failed);
    this.waiting.clear();
  }

  private send(
    request: { kind: 'append'; requests: readonly AppendRequest[] } | { kind: 'close' },
  ): Promise<AppendResult[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...request, id } satisfies AppendThreadRequest);
    });
  }

  append(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    return this.appendMany([
      { stream, events, expectedRevision: options.expectedRevision ?? 'any' },
    ]).then((r) => r[0]!);
  }

  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    if (this.closing) return Promise.reject(new InvalidAppendError('the event store is closed'));
    return this.send({ kind: 'append', requests });
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.reader.readStream(stream, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.reader.readAll(options);
  }

  subscribeToAll(
    handler: (event: RecordedEvent) => Promise<void> | void,
    options?: SubscriptionOptions,
  ): Subscription {
    return this.reader.subscribeToAll(handler, options);
  }

  subscribeToChainLinks(
    handler: (link: ChainLinkRecord) => Promise<void> | void,
    options?: SubscriptionOptions,
  ): Subscription {
    return this.reader.subscribeToChainLinks(handler, options);
  }

  headPosition(): Promise<GlobalPosition | undefined> {
    return this.reader.headPosition();
  }

  countAfter(after: GlobalPosition | undefined, cap: number): Promise<number> {
    return this.reader.countAfter(after, cap);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        // After every append sent before it: the thread commits them, then closes its file.
        if (!this.failed) await this.send({ kind: 'close' });
      } finally {
        await this.worker.terminate();
        await this.reader.close();
      }
    })();
    return this.closing;
  }
}

/**
 * The compiled worker script. Tests run this module from source (src/*.ts), but a worker
 * thread needs JavaScript: then the build's copy in dist/ is used.
 */
function appendThreadScript(): string {
  const script = fileURLToPath(new URL('./append-thread.js', import.meta.url));
  if (existsSync(script)) return script;
  const built = script.replace(/([\\/])src([\\/])(?!.*[\\/]src[\\/])/, '$1dist$2');
  if (existsSync(built)) return built;
  throw new Error(`the event store's writer thread needs ${built}: run npm run build`);
}
