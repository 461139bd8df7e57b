import {
  certificateRegistryProjection,
  readRecordedEvent,
  type PersonalDataProtector,
  type VerifiedRecord,
} from '@hub/domain';
import type { EventStore } from '@hub/event-store';
import type { ReadModelStore } from '@hub/read-models';
import type { Logger } from 'pino';
import { CompactRegistryWriter, type CompactRegistryMemory } from './compact-registry.js';

const REGISTRY = 'certificate-registry';
const PAGE = 10_000;

export interface RegistryIndexDeps {
  readModels: ReadModelStore;
  /** The change feed: which certificates changed between two checkpoints of the registry. */
  store: EventStore;
  protector: PersonalDataProtector;
  log?: Logger;
}

interface Loaded {
  writer: CompactRegistryWriter;
  /** The registry's checkpoint the index is known to include (undefined: empty registry). */
  version: number | undefined;
  position: bigint | undefined;
}

/**
 * The certificate registry in shared memory for screening (see CompactRegistryWriter), kept
 * exactly as current as the registry read model: before each use it compares the read
 * model's checkpoint with its own, re-reads the certificates that the events in between
 * touched, and when it cannot vouch for itself (not loaded yet, or the read model was rebuilt
 * and it is loading again) says so, and screening reads the read models instead. A stale
 * "valid" would be the worst answer a screening could give; a slower one is not.
 */
export class RegistryIndex {
  private loaded: Loaded | undefined;
  private loading: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly projection;

  constructor(private readonly deps: RegistryIndexDeps) {
    this.projection = certificateRegistryProjection(deps.protector);
  }

  /** Certificates held; 0 until loaded. */
  get size(): number {
    return this.loaded?.writer.size ?? 0;
  }

  /** Reads the whole registry into memory, unless a load is already under way. */
  load(): Promise<void> {
    this.loading ??= this.readAll().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async readAll(): Promise<void> {
    const started = Date.now();
    // The checkpoint first: every document read after it is at least that current, and the
    // events after it are replayed as changes at the next use.
    const checkpoint = await this.checkpoint();
    const writer = new CompactRegistryWriter();
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.readModels.pageDocuments(REGISTRY, {
        ...(after === undefined ? {} : { after }),
        limit: PAGE,
      });
      for (const { key, value } of page) writer.put(key, value as VerifiedRecord);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.key;
    }
    this.loaded = { writer, version: checkpoint?.version, position: checkpoint?.position };
    this.deps.log?.info(
      { certificates: writer.size, ms: Date.now() - started },
      'certificate registry loaded into memory for screening',
    );
  }

  private async checkpoint() {
    return (await this.deps.readModels.checkpoints()).find((c) => c.projection === REGISTRY);
  }

  /**
   * The memory to screen with, brought up to the registry read model as it is now; undefined
   * when the index cannot vouch for being current (then read the read models).
   */
  current(): Promise<CompactRegistryMemory | undefined> {
    const next = this.queue.then(() => this.catchUp());
    this.queue = next.catch(() => {});
    return next;
  }

  private async catchUp(): Promise<CompactRegistryMemory | undefined> {
    const loaded = this.loaded;
    if (!loaded || this.loading) return undefined;
    const checkpoint = await this.checkpoint();
    if (checkpoint?.position === loaded.position && checkpoint?.version === loaded.version)
      return loaded.writer.memory;
    const rebuilt =
      !checkpoint ||
      checkpoint.version !== loaded.version ||
      (loaded.position !== undefined && checkpoint.position < loaded.position);
    if (rebuilt) {
      // Reset or rebuilt: its documents may differ in any way; read them all again.
      this.loaded = undefined;
      this.deps.log?.info('certificate registry was rebuilt; loading it into memory again');
      void this.load().catch((error: Error) =>
        this.deps.log?.error({ err: error }, 'loading the certificate registry failed'),
      );
      return undefined;
    }
    const changed = await this.changedBetween(loaded.position, checkpoint.position);
    const documents = await this.deps.readModels.getDocuments(REGISTRY, [...changed]);
    for (const [key, value] of documents) loaded.writer.put(key, value as VerifiedRecord);
    loaded.position = checkpoint.position;
    return loaded.writer.memory;
  }

  /** Keys of the certificates that events after `from`, up to and including `to`, changed. */
  private async changedBetween(from: bigint | undefined, to: bigint): Promise<Set<string>> {
    const keys = new Set<string>();
    let after = from;
    for (;;) {
      const page = await this.deps.store.readAll({
        ...(after === undefined ? {} : { after }),
        maxCount: PAGE,
      });
      for (const stored of page) {
        if (stored.position > to) return keys;
        if (!this.projection.handles.includes(stored.type)) continue;
        const event = readRecordedEvent(stored);
        if (event) for (const key of this.projection.keysOf(event)) keys.add(key);
      }
      if (page.length < PAGE) return keys;
      after = page[page.length - 1]!.position;
    }
  }
}
