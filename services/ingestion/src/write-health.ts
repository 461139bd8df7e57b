import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EventStoreFullError,
  type AppendRequest,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
} from '@hub/event-store';

/**
 * Whether the event store can write, as the hub's readiness says it. Reads keep working on a
 * full disk, so a readiness check that only reads stays "ready" while every append fails.
 * After an append fails for lack of space the hub is not ready until a probe write (the
 * embedded store: a small file in the data directory) succeeds again, or an append does.
 */
export class WriteHealth {
  private full: EventStoreFullError | undefined;

  /** `probe` writes something where the store writes, and throws when it cannot. */
  constructor(private readonly probe?: () => Promise<void>) {}

  /** The store, with its appends watched. */
  watch(store: EventStore): EventStore {
    const observe = <T>(append: Promise<T>): Promise<T> =>
      append.then(
        (result) => {
          this.full = undefined;
          return result;
        },
        (error: unknown) => {
          if (error instanceof EventStoreFullError) this.full = error;
          throw error;
        },
      );
    return {
      append: (
        stream: string,
        events: readonly NewEvent[],
        options?: { expectedRevision?: ExpectedRevision },
      ) => observe(store.append(stream, events, options)),
      appendMany: (requests: readonly AppendRequest[]) => observe(store.appendMany(requests)),
      readStream: (stream, options) => store.readStream(stream, options),
      readAll: (options) => store.readAll(options),
      subscribeToAll: (handler, options) => store.subscribeToAll(handler, options),
      headPosition: () => store.headPosition(),
      ...(store.countAfter ? { countAfter: (after, cap) => store.countAfter!(after, cap) } : {}),
      ...(store.checkReachable ? { checkReachable: () => store.checkReachable!() } : {}),
      ...(store.subscribeToChainLinks
        ? {
            subscribeToChainLinks: (handler, options) =>
              store.subscribeToChainLinks!(handler, options),
          }
        : {}),
      close: () => store.close(),
    };
  }

  /** A readiness check: throws while the store cannot write. */
  async check(): Promise<void> {
    if (!this.full) return;
    if (!this.probe) throw this.full;
    try {
      await this.probe();
    } catch (error) {
      throw new EventStoreFullError({ cause: error });
    }
    this.full = undefined;
  }
}

const PROBE_BYTES = 1024 * 1024;

/**
 * A probe for an embedded store: writes and syncs 1 MiB beside it and removes it again, so
 * the hub is ready once there is room for at least a batch of events.
 */
export function directoryWriteProbe(dir: string): () => Promise<void> {
  return async () => {
    const file = join(dir, `.write-probe-${process.pid}`);
    try {
      const handle = await open(file, 'w');
      try {
        await handle.write(Buffer.alloc(PROBE_BYTES));
        await handle.sync();
      } finally {
        await handle.close();
      }
    } finally {
      await rm(file, { force: true });
    }
  };
}
