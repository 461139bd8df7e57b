import {
  PROJECTIONS,
  readRecordedEvent,
  type DocumentProjection,
  type Projection,
  type RecordedHubEvent,
} from '@hub/domain';
import type { EventStore, RecordedEvent } from '@hub/event-store';
import type { Logger } from 'pino';
import { hashDistinctKey } from './distinct-key.js';
import {
  CheckpointConflictError,
  ReadModelStoreFullError,
  type ProjectionBatch,
  type ProjectionCheckpoint,
  type ReadModelStore,
  type StoredFact,
} from './port.js';

/** Smallest page tried when the storage is full; below it the failure is reported. */
const MIN_PAGE = 50;
/** Commits at a reduced page size before the page doubles again. */
const GROW_AFTER_PAGES = 4;
/**
 * Conflicts in a row before giving up: each one means another runner made progress, so only
 * a runner that never stops committing first can cause this many.
 */
const MAX_CONFLICTS_IN_A_ROW = 1000;
/** Keys of the documents a rebuild has written that are kept to spare lookups (see pass). */
const MAX_BUILT_KEYS = 1_000_000;
/** Longest wait between retries while catching up keeps failing. */
const MAX_RETRY_MS = 30_000;

/**
 * What the pages read since the last commit change, per projection: their batches joined into
 * one (documents at their latest version, facts in order), for one commit.
 */
class GatheredPages {
  events = 0;
  position: bigint | undefined;
  private readonly gathered = new Map<
    string,
    {
      first: Pick<ProjectionBatch, 'projection' | 'version' | 'after'>;
      position: bigint;
      documents: Map<string, unknown>;
      facts: Array<readonly StoredFact[]>;
    }
  >();

  add(batches: ReadonlyArray<ProjectionBatch | undefined>, events: number, position: bigint): void {
    this.events += events;
    this.position = position;
    for (const batch of batches) {
      if (!batch) continue;
      let gathered = this.gathered.get(batch.projection);
      if (!gathered)
        this.gathered.set(
          batch.projection,
          (gathered = {
            // Only what names the commit: the first batch's documents are kept below, once.
            first: { projection: batch.projection, version: batch.version, after: batch.after },
            position: batch.position,
            documents: new Map(),
            facts: [],
          }),
        );
      gathered.position = batch.position;
      for (const d of batch.documents) gathered.documents.set(d.key, d.value);
      if (batch.facts.length > 0) gathered.facts.push(batch.facts);
    }
  }

  /** The documents these pages changed, at their latest version. */
  documentsOf(projection: string): ReadonlyMap<string, unknown> | undefined {
    return this.gathered.get(projection)?.documents;
  }

  /** Per projection, the documents these pages changed. */
  documents(): Map<string, ReadonlyMap<string, unknown>> {
    return new Map([...this.gathered].map(([projection, g]) => [projection, g.documents]));
  }

  batches(): ProjectionBatch[] {
    return [...this.gathered.values()].map(({ first, position, documents, facts }) => ({
      projection: first.projection,
      version: first.version,
      after: first.after,
      position,
      documents: [...documents].map(([key, value]) => ({ key, value })),
      facts: facts.length === 1 ? facts[0]! : facts.flat(),
    }));
  }
}

/** Documents not yet committed: those of the pages gathering, over those of the commit in flight. */
function unsavedDocuments(
  gathering: ReadonlyMap<string, unknown> | undefined,
  inFlight: ReadonlyMap<string, unknown> | undefined,
): Pick<ReadonlyMap<string, unknown>, 'has' | 'get'> | undefined {
  if (!gathering || !inFlight) return gathering ?? inFlight;
  return {
    has: (key) => gathering.has(key) || inFlight.has(key),
    get: (key) => (gathering.has(key) ? gathering.get(key) : inFlight.get(key)),
  };
}

/** Each stored event of a page read (upcast) once, however many projections want it. */
function decodePage(
  page: readonly RecordedEvent[],
): (index: number) => RecordedHubEvent | undefined {
  const cache = new Array<RecordedHubEvent | undefined | null>(page.length);
  return (index) => {
    let event = cache[index];
    if (event === undefined) cache[index] = event = readRecordedEvent(page[index]!) ?? null;
    return event ?? undefined;
  };
}

export interface ProjectionStatus {
  projection: string;
  version: number;
  /** Last event position applied; undefined before the first batch. */
  position: bigint | undefined;
  head: bigint | undefined;
  /** Events stored after the checkpoint (capped at `lagCap`, shown as "≥"). */
  lagEvents: number;
  lagCapped: boolean;
  /** Age of the oldest event not yet applied, 0 when caught up. */
  lagSeconds: number;
  /** True when the projection's code changed since its read model was built. */
  needsRebuild: boolean;
}

export interface ProjectionRunnerOptions {
  store: EventStore;
  readModels: ReadModelStore;
  projections?: readonly Projection[];
  logger?: Logger;
  /** Events read (and projected) per page. */
  batchSize?: number;
  /**
   * While behind, this many full pages gather into one transaction (5 by default). A
   * caught-up runner commits each page as it comes.
   */
  pagesPerCommit?: number;
  /** How often a caught-up runner looks for new events. */
  pollMs?: number;
  /**
   * How soon it looks again while events keep coming (its last look found some): each look
   * then finds a few hundred events, which an embedded store still holds in memory, parsed
   * (RecentRows); every 200 ms under load they were thousands, read back from the file.
   */
  busyPollMs?: number;
  /** Told after each commit which documents changed (live updates, e.g. GraphQL subscriptions). */
  onCommitted?: (changes: ReadonlyArray<{ projection: string; keys: string[] }>) => void;
}

/**
 * Follows the event store and keeps every projection's read model up to date. All projections
 * share one read of the store; each page is applied in one read-model transaction together
 * with every projection's checkpoint.
 */
export class ProjectionRunner {
  private readonly projections: readonly Projection[];
  private readonly batchSize: number;
  private readonly eventsPerCommit: number;
  private readonly pollMs: number;
  private readonly busyPollMs: number;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Events per page now: the configured size, or less after the storage ran out of room. */
  private pageSize: number;
  /** Pages committed at the current size since it last changed. */
  private fullPages = 0;
  /**
   * After the storage ran out of room: each page commits alone from then on (until the runner
   * is made again, e.g. the hub restarted after room was made). Gathering again after some
   * commits succeeded would fail again on a disk with room for one page and not five.
   */
  private alone = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.projections = options.projections ?? PROJECTIONS;
    // Large pages: fewer commits; a rebuild of 1M events measured fastest at 10,000.
    this.batchSize = options.batchSize ?? 10_000;
    this.pageSize = this.batchSize;
    // A rebuild of 1M events with five pages of 10,000 per commit wrote a third of the bytes
    // it wrote with one, and its writer thread spent 29% less time in transactions.
    this.eventsPerCommit = this.batchSize * Math.max(1, options.pagesPerCommit ?? 5);
    this.pollMs = options.pollMs ?? 200;
    this.busyPollMs = Math.min(this.pollMs, options.busyPollMs ?? 40);
  }

  names(): string[] {
    return this.projections.map((p) => p.name);
  }

  private projection(name: string): Projection {
    const found = this.projections.find((p) => p.name === name);
    if (!found) throw new Error(`no projection "${name}"; known: ${this.names().join(', ')}`);
    return found;
  }

  /**
   * Applies everything stored so far; returns the number of events committed. Another runner
   * on the same read models (a CLI command beside the hub) may commit first: its checkpoint
   * then refuses this runner's page, which reads the checkpoints again and goes on from there.
   * On storage without room for a commit, pages first commit alone, then shrink until one fits.
   */
  async catchUp(onProgress?: (position: bigint, events: number) => void): Promise<number> {
    return this.catchUpWith(this.projections, onProgress);
  }

  private async catchUpWith(
    projections: readonly Projection[],
    onProgress?: (position: bigint, events: number) => void,
  ): Promise<number> {
    const progress = { committed: 0 };
    let conflicts = 0;
    for (;;) {
      try {
        await this.pass(projections, progress, onProgress);
        return progress.committed;
      } catch (error) {
        if (this.stopping) throw error;
        if (error instanceof CheckpointConflictError && ++conflicts <= MAX_CONFLICTS_IN_A_ROW) {
          this.options.logger?.debug(
            { err: error },
            'another runner committed first; reading the checkpoints again',
          );
          continue;
        }
        if (error instanceof ReadModelStoreFullError && !this.alone && this.gathers()) {
          // Pages gathered may be what did not fit: first each page alone, at the same size.
          this.alone = true;
          this.fullPages = 0;
          this.options.logger?.warn('read-model storage is full; committing each page alone');
          continue;
        }
        if (error instanceof ReadModelStoreFullError && this.pageSize > MIN_PAGE) {
          this.pageSize = Math.max(MIN_PAGE, Math.floor(this.pageSize / 4));
          this.fullPages = 0;
          this.options.logger?.warn(
            { pageSize: this.pageSize },
            'read-model storage is full; trying smaller pages',
          );
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * One pass from the stored checkpoints to the head. Pipelined: while one commit is in flight,
   * the next pages are read and projected against the documents not yet committed (held here
   * until their commit answers), so a store that commits off the main thread keeps both busy.
   * While behind (pages come full), consecutive pages gather into one commit of up to
   * `pagesPerCommit` pages: each commit rewrites every B-tree page it touches, and a
   * rebuild's commits of one page each wrote 14 times the size of the file they built.
   */
  private async pass(
    projections: readonly Projection[],
    progress: { committed: number },
    onProgress?: (position: bigint, events: number) => void,
  ): Promise<void> {
    const checkpoints = new Map(
      (await this.resetOutdated()).map((c) => [c.projection, c.position]),
    );
    // Per event type, the projections (their indexes) that handle it: one lookup per event.
    const handlers = new Map<string, number[]>();
    projections.forEach((p, index) => {
      for (const type of new Set(p.handles))
        handlers.set(type, [...(handlers.get(type) ?? []), index]);
    });
    let committing: Promise<void> | undefined;
    // The commit in flight failed: nothing more is projected, its error is thrown below.
    let failed = false;
    let gathering = new GatheredPages();
    let inFlight = new Map<string, ReadonlyMap<string, unknown>>();
    // A projection without a checkpoint has no documents (a batch commits both together): all
    // it has by this pass's end are those this pass wrote. Their keys spare a rebuild a
    // lookup of every new key. Another runner writing meanwhile fails this pass's next commit.
    const built = new Map<string, Set<string>>();
    for (const p of projections)
      if (p.kind === 'documents' && checkpoints.get(p.name) === undefined)
        built.set(p.name, new Set());
    const send = async () => {
      const gathered = gathering;
      gathering = new GatheredPages();
      // One commit in flight at a time: they apply in order, each guarded by its checkpoint.
      await committing;
      const batches = gathered.batches();
      const sent = this.commit(batches, gathered.events, gathered.position!, progress, onProgress);
      committing = sent;
      const documents = gathered.documents();
      inFlight = documents;
      // Observed at once (a failure is rethrown where it is awaited), not reported as unhandled.
      // Once committed, the store has these documents: they need not be held here any more.
      sent.then(
        () => {
          if (inFlight === documents) inFlight = new Map();
        },
        () => {
          failed = true;
        },
      );
    };
    try {
      for (;;) {
        if (failed) await committing;
        const positions = projections.map((p) => checkpoints.get(p.name));
        const from = positions.includes(undefined)
          ? undefined
          : positions.reduce((a, b) => (a! < b! ? a : b));
        const pageSize = this.pageSize;
        const page = await this.options.store.readAll({
          ...(from === undefined ? {} : { after: from }),
          maxCount: pageSize,
        });
        if (page.length === 0) {
          // The pages before came full: what they gathered is committed now.
          if (gathering.events > 0) await send();
          break;
        }
        const decoded = decodePage(page);
        const handledBy = projections.map((): number[] => []);
        for (let i = 0; i < page.length; i++)
          for (const p of handlers.get(page[i]!.type) ?? []) handledBy[p]!.push(i);
        const batches = await Promise.all(
          projections.map((p, index) =>
            this.batchFor(
              p,
              checkpoints.get(p.name),
              page,
              handledBy[index]!,
              decoded,
              unsavedDocuments(gathering.documentsOf(p.name), inFlight.get(p.name)),
              built,
            ),
          ),
        );
        gathering.add(batches, page.length, page[page.length - 1]!.position);
        for (const b of batches) if (b) checkpoints.set(b.projection, b.position);
        // Stopping: the pages gathered are committed below, the rest waits for the next start.
        const more = page.length === pageSize && !this.stopping;
        // After the storage ran out of room, and while pages are smaller, each commits alone.
        if (!more || !this.gathers() || gathering.events >= this.eventsPerCommit) await send();
        if (!more) break;
        // Behind: the thread's requests and timers run between pages (reads from an embedded
        // store and a commit already done answer at once and would hold it to the head).
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      // A page that could not be read or projected: the pages gathered before it still
      // commit, so that the next try starts after them, as when every page committed alone.
      if (gathering.events > 0 && !failed) {
        try {
          await send();
          await committing;
        } catch (commitError) {
          this.options.logger?.warn(
            { err: commitError },
            'the pages gathered before a failure could not be committed',
          );
        }
        committing = undefined;
      }
      throw error;
    } finally {
      // Never leave a commit unobserved, even when projecting the next page failed.
      await committing;
    }
  }

  private async commit(
    batches: ProjectionBatch[],
    events: number,
    position: bigint,
    progress: { committed: number },
    onProgress?: (position: bigint, events: number) => void,
  ): Promise<void> {
    await this.options.readModels.commit(batches);
    progress.committed += events;
    this.grow();
    this.options.onCommitted?.(
      batches
        .filter((b) => b.documents.length > 0)
        .map((b) => ({ projection: b.projection, keys: b.documents.map((d) => d.key) })),
    );
    onProgress?.(position, progress.committed);
  }

  /** After pages shrank for lack of space, grows them back while commits succeed. */
  private grow(): void {
    if (this.pageSize >= this.batchSize) return;
    if (++this.fullPages < GROW_AFTER_PAGES) return;
    this.fullPages = 0;
    this.pageSize = Math.min(this.batchSize, this.pageSize * 2);
  }

  /** Whether full pages gather into larger commits now. */
  private gathers(): boolean {
    return !this.alone && this.pageSize >= this.batchSize && this.eventsPerCommit > this.pageSize;
  }

  private async batchFor(
    projection: Projection,
    after: bigint | undefined,
    page: readonly RecordedEvent[],
    handled: readonly number[],
    decoded: (index: number) => RecordedHubEvent | undefined,
    uncommitted: Pick<ReadonlyMap<string, unknown>, 'has' | 'get'> | undefined,
    built: Map<string, Set<string>>,
  ): Promise<ProjectionBatch | undefined> {
    const first = after === undefined ? 0 : page.findIndex((e) => e.position > after);
    if (first < 0) return undefined;
    const relevant: RecordedHubEvent[] = [];
    for (const i of handled) {
      if (i < first) continue;
      const event = decoded(i);
      if (event) relevant.push(event);
    }
    const base = {
      projection: projection.name,
      version: projection.version,
      after,
      position: page[page.length - 1]!.position,
    };
    if (projection.kind === 'facts') {
      const facts: StoredFact[] = [];
      // The same person or enterprise is counted by several measures: hash each key once.
      const hashes = new Map<string, string>();
      for (const event of relevant) {
        const recordedMs = Date.parse(event.recorded.recordedAt);
        const eventId = event.metadata.eventId;
        const position = event.recorded.position;
        for (const warning of projection.warningsOf?.(event) ?? [])
          this.options.logger?.warn({ eventId, projection: projection.name }, warning);
        for (const fact of projection.factsOf(event)) {
          let distinctKey: string | undefined;
          if (fact.distinctKey !== undefined) {
            distinctKey = hashes.get(fact.distinctKey);
            if (distinctKey === undefined) {
              distinctKey = hashDistinctKey(fact.distinctKey);
              hashes.set(fact.distinctKey, distinctKey);
            }
          }
          const { measureId, unit, day, value } = fact;
          facts.push(
            distinctKey === undefined
              ? { measureId, unit, day, value, eventId, position, recordedMs }
              : { measureId, unit, day, value, distinctKey, eventId, position, recordedMs },
          );
        }
      }
      return { ...base, documents: [], facts };
    }
    return {
      ...base,
      documents: await this.evolveDocuments(projection, relevant, uncommitted, built),
      facts: [],
    };
  }

  private async evolveDocuments(
    projection: DocumentProjection<unknown>,
    events: readonly RecordedHubEvent[],
    uncommitted: Pick<ReadonlyMap<string, unknown>, 'has' | 'get'> | undefined,
    built: Map<string, Set<string>>,
  ): Promise<Array<{ key: string; value: unknown }>> {
    // Each event's keys, asked once; every key is evolved, so these are the keys changed too.
    const keysOf = events.map((e) => projection.keysOf(e));
    const keys = new Set<string>();
    for (const eventKeys of keysOf) for (const key of eventKeys) keys.add(key);
    const existing = built.get(projection.name);
    // The previous page's documents may still be committing: its versions are the current ones.
    const toRead = [...keys].filter(
      (key) => !uncommitted?.has(key) && (existing === undefined || existing.has(key)),
    );
    const documents = await this.options.readModels.getDocuments(projection.name, toRead);
    if (uncommitted)
      for (const key of keys) if (uncommitted.has(key)) documents.set(key, uncommitted.get(key));
    events.forEach((event, i) => {
      for (const key of keysOf[i]!)
        documents.set(key, projection.evolve(documents.get(key), event, key));
    });
    if (existing) {
      for (const key of keys) existing.add(key);
      // Past this many keys, memory matters more than the lookups they spare.
      if (existing.size > MAX_BUILT_KEYS) built.delete(projection.name);
    }
    return [...keys].map((key) => ({ key, value: documents.get(key) }));
  }

  /**
   * A read model built by another version of its projection's code is forgotten, so that it is
   * built again from the first event instead of mixing documents of two shapes. Returns the
   * checkpoints that remain.
   */
  private async resetOutdated(): Promise<ProjectionCheckpoint[]> {
    const checkpoints = await this.options.readModels.checkpoints();
    const outdated = this.projections.filter((p) =>
      checkpoints.some((c) => c.projection === p.name && c.version !== p.version),
    );
    for (const projection of outdated) {
      this.options.logger?.warn(
        { projection: projection.name, version: projection.version },
        'projection code changed; rebuilding its read model from the first event',
      );
      await this.options.readModels.reset(projection.name);
    }
    return outdated.length === 0 ? checkpoints : this.options.readModels.checkpoints();
  }

  /** Forgets one projection's read model and builds it again from the first event. */
  async rebuild(
    name: string,
    onProgress?: (position: bigint, events: number) => void,
  ): Promise<number> {
    const projection = this.projection(name);
    await this.options.readModels.reset(name);
    // Only this projection: the others are the running hub's to keep up to date.
    return this.catchUpWith([projection], onProgress);
  }

  /**
   * Keeps catching up until stopped; a failure is logged and retried, less often while it
   * lasts (a full disk must not fill the log as well).
   */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      let failures = 0;
      let busy = false;
      while (!this.stopping) {
        try {
          const read = await this.catchUp();
          failures = 0;
          busy = read > 0;
          if (busy) this.options.logger?.debug({ events: read }, 'projections caught up');
        } catch (error) {
          failures += 1;
          this.options.logger?.error({ err: error, failures }, 'projection batch failed; retrying');
        }
        if (this.stopping) break;
        const wait =
          failures > 0
            ? Math.min(MAX_RETRY_MS, this.pollMs * 2 ** Math.min(failures, 10))
            : busy
              ? this.busyPollMs
              : this.pollMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
    // A catch-up asked for after the stop (a last one before closing) runs to the end.
    this.stopping = false;
  }

  async status(lagCap = 100_000): Promise<ProjectionStatus[]> {
    const checkpoints = new Map(
      (await this.options.readModels.checkpoints()).map((c) => [c.projection, c]),
    );
    const head = await this.options.store.headPosition();
    const now = Date.now();
    // Projections that share a checkpoint (all of them, once caught up) share one reading:
    // a scrape of /metrics asks this every few seconds, however far behind they are.
    const lags = new Map<bigint | undefined, Promise<{ events: number; seconds: number }>>();
    const lagAfter = (position: bigint | undefined) => {
      let lag = lags.get(position);
      if (!lag) lags.set(position, (lag = this.lagAfter(position, head, lagCap, now)));
      return lag;
    };
    return Promise.all(
      this.projections.map(async (p) => {
        const checkpoint = checkpoints.get(p.name);
        const position = checkpoint?.position;
        const lag = await lagAfter(position);
        return {
          projection: p.name,
          version: checkpoint?.version ?? p.version,
          position,
          head,
          lagEvents: lag.events,
          lagCapped: lag.events >= lagCap,
          lagSeconds: lag.seconds,
          needsRebuild: checkpoint !== undefined && checkpoint.version !== p.version,
        };
      }),
    );
  }

  /**
   * Events after a checkpoint (at most `cap`) and the age of the first of them. Counted from
   * positions alone where the store can; otherwise, and for the age, read.
   */
  private async lagAfter(
    position: bigint | undefined,
    head: bigint | undefined,
    cap: number,
    now: number,
  ): Promise<{ events: number; seconds: number }> {
    if (head === undefined || (position !== undefined && position >= head))
      return { events: 0, seconds: 0 };
    const store = this.options.store;
    const after = position === undefined ? {} : { after: position };
    if (!store.countAfter) {
      const behind = await store.readAll({ ...after, maxCount: cap });
      return { events: behind.length, seconds: ageOf(behind[0], now) };
    }
    const [events, [oldest]] = await Promise.all([
      store.countAfter(position, cap),
      store.readAll({ ...after, maxCount: 1 }),
    ]);
    return { events, seconds: ageOf(oldest, now) };
  }
}

/** Seconds since an event was recorded; 0 without one. */
function ageOf(event: RecordedEvent | undefined, now: number): number {
  return event ? Math.max(0, (now - Date.parse(event.recordedAt)) / 1000) : 0;
}
