import { hash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import {
  EventStoreFullError,
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidAppendError,
  WrongExpectedRevisionError,
  chainableName,
  chainInput,
  sameContent,
  type ChainAlg,
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
  type StoredRecord,
  type Subscription,
  type SubscriptionOptions,
  type AppendArrivals,
} from '@hub/event-store';
import { EventIdKeyFilter } from './event-id-filter.js';
import { startPollingSubscription } from './polling-subscription.js';
import { freezeIfJsonValue } from './frozen-json.js';
import { RecentRows } from './recent-rows.js';

export interface SqliteEventStoreOptions {
  /** Path of the database file, or ':memory:'. */
  filename: string;
  /**
   * Commit appends that arrive together in one transaction with one sync (default true).
   * Each append keeps its own result, concurrency check and failure.
   */
  groupCommit?: boolean;
  /**
   * Appends on their way (publish requests being read and checked): a group waits for them
   * before it commits, at most `maxWaitMs` (default 20) after it was due, so that concurrent
   * publishers share one commit instead of alternating in two halves. None: a group commits in
   * the next turn of the event loop, as before.
   */
  commitDelay?: { arrivals: AppendArrivals; maxWaitMs?: number };
  /** Largest event accepted, data plus metadata as JSON (default 1 MiB). */
  maxEventBytes?: number;
  /** How often a subscriber looks for events written by another process (default 250 ms). */
  pollIntervalMs?: number;
  /** Clock for recordedAt, read once per write transaction; injectable for tests. */
  now?: () => Date;
  /**
   * The hash of the chain every recorded event joins (default SHA-256; `sm3` for the national
   * algorithms). `false` records no chain: only for measuring what the chain costs.
   */
  chain?: ChainAlg | false;
  /**
   * The 64-bit key under which an event id is indexed (default: SHA-256 of the store's secret
   * and the id). Only for tests, to force keys to collide.
   */
  eventIdKey?: (id: string) => bigint;
  /**
   * How many of the latest event ids may wait in memory before they join `event_ids`
   * (default 20,000); the events table holds them meanwhile. Small values are for tests.
   */
  idIndexLag?: number;
  /** Where the store tells what it works around (a filter it had to drop); none: silent. */
  logger?: SqliteStoreLogger;
}

/** The part of a pino logger the store uses. */
export interface SqliteStoreLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

interface EventRow {
  position: number;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
  chain: string | null;
}

/** An events row read as an array, in the order of EVENT_COLUMNS. */
type EventColumns = [
  position: number,
  eventId: string,
  stream: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
  recordedAt: string,
  chain: string | null,
];
const EVENT_COLUMNS =
  'position, event_id, stream, revision, type, data, metadata, recorded_at, chain';

interface PendingAppend {
  requests: readonly AppendRequest[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Version 3. A stream's revision is its last event's, found at the end of its (stream,
 * revision) index: a table of revisions beside it (version 2) cost a write per append and
 * said nothing the index does not. Event ids are unique through `event_ids`, keyed by a
 * 64-bit keyed hash of the id (linear probing on a collision, the full id compared on every
 * hit). Random ids land on random pages of any index by id: inserted with each append, 100
 * ids dirtied ~100 pages of it per commit (three quarters of the WAL written). So the latest
 * ids (after `ids_indexed_through`) are kept out of it: the events table holds them durably,
 * each writer holds them in memory, and every `idIndexLag` events they join the index at once,
 * sorted, each page written once. No AUTOINCREMENT: positions are given by the store
 * (tail + 1); sqlite_sequence cost a page per commit.
 */
const SCHEMA_VERSION = 3;
const EVENTS_TABLE = `(
  position    INTEGER PRIMARY KEY,
  event_id    TEXT NOT NULL,
  stream      TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT NOT NULL,
  data        TEXT NOT NULL,
  metadata    TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  chain       TEXT,
  UNIQUE (stream, revision)
)`;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events ${EVENTS_TABLE};
CREATE TABLE IF NOT EXISTS event_ids (
  id_key   INTEGER PRIMARY KEY,
  position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS store_meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
const DEFAULT_ID_INDEX_LAG = 20_000;
/** Keys of event_ids read into the filter at a time (the first page at the first write). */
const FILTER_PAGE = 20_000;
/** Rows per INSERT statement: 100 × 9 parameters, well under SQLite's limit of 32,766. */
const INSERT_ROWS = 100;
const INSERT_COLUMNS = 9;
/**
 * The latest commits kept for readers (RecentRows): a runner or relay that reads each commit
 * soon after it (a group of HTTP batches is about 800 events, an ingress read up to 2,000)
 * reads it from memory. Kept longer, the rows outlive V8's young generation: 10,000 cost a
 * writer about 1.3 µs more CPU an event in collection, 2,048 nothing measurable.
 */
const RECENT_ROWS = { rows: 2048, chars: 4 * 1024 * 1024 };
/**
 * Rows are kept only while some reader follows the tail (of records, or of chain links alone):
 * one has asked for rows among the latest RECENT_ROWS within this many commits. A writer with
 * no reader (a bulk import, W2) keeps none: 10,000 rows kept for nobody cost W2 a quarter more
 * CPU with V8's default young generation, 5% with the hub's flags.
 */
const FOLLOWED_FOR_COMMITS = 64;
/** An INSERT row's data and metadata (columns 5 and 6): what RecentRows counts. */
const rowChars = (values: readonly unknown[], at: number) =>
  (values[at + 5] as string).length + (values[at + 6] as string).length;
/** A kept row's data or metadata that readers cannot share: they parse its text. */
const PARSE_TEXT = Symbol('parse the stored text');
const EMPTY_METADATA = Object.freeze({});

/**
 * Beside each kept row (RecentRows' extras), its data and metadata as readers may share them:
 * the very values appended, frozen, when they are plain JSON (see freezeIfJsonValue). Parsing
 * them again for every reader was the largest part of reading a commit back.
 */
function sharedValuesOf(events: readonly NewEvent[]): unknown[] {
  const out: unknown[] = [];
  for (const event of events) {
    const data = event.data ?? null;
    const metadata = event.metadata ?? EMPTY_METADATA;
    out.push(
      freezeIfJsonValue(data) ? data : PARSE_TEXT,
      freezeIfJsonValue(metadata) ? metadata : PARSE_TEXT,
    );
  }
  return out;
}

/** Extras for rows kept for their links alone: a reader of records parses their texts. */
const textsOnly = (rows: number): unknown[] => new Array<unknown>(2 * rows).fill(PARSE_TEXT);

/** A kept row's position and chain link: what a notary follows. */
const linkOf = (values: readonly unknown[], at: number): ChainLinkRecord => {
  const chain = values[at + 8] as string | null;
  return { position: BigInt(values[at] as number), ...(chain ? { chain } : {}) };
};

/** A kept row as a record: what toRecorded makes of the same row read from the file. */
const recordOf = (
  values: readonly unknown[],
  at: number,
  shared: readonly unknown[],
  sharedAt: number,
): RecordedEvent => {
  const data = shared[sharedAt];
  const metadata = shared[sharedAt + 1];
  const chain = values[at + 8] as string | null;
  return {
    id: values[at + 1] as string,
    type: values[at + 4] as string,
    data: data === PARSE_TEXT ? (JSON.parse(values[at + 5] as string) as unknown) : data,
    metadata: (metadata === PARSE_TEXT ? JSON.parse(values[at + 6] as string) : metadata) as Record<
      string,
      unknown
    >,
    streamName: values[at + 2] as string,
    revision: values[at + 3] as number,
    position: BigInt(values[at] as number),
    recordedAt: values[at + 7] as string,
    ...(chain ? { chain } : {}),
  };
};

/**
 * Thrown inside a savepoint to fall back from the fast path to the duplicate check. `original`:
 * the failure to report if it was no retry; none when an event id (or its key) was seen before.
 */
class PossibleRetry extends Error {
  constructor(readonly original?: unknown) {
    super('possible retry');
  }
}

/**
 * Thrown when an append failed after it had written (a later INSERT of an append of more than
 * INSERT_ROWS events), or failed in a way that may have undone more than its own statement (an
 * I/O error may roll the whole transaction back): only a savepoint around it, or the whole
 * transaction, can undo what it left.
 */
class HalfWritten extends Error {
  constructor(readonly original: unknown) {
    super('append failed half-way');
  }
}

type Outcome = { ok: true; results: AppendResult[] } | { ok: false; error: unknown };

/**
 * The embedded event store: one SQLite file in WAL mode with synchronous=FULL, so an
 * acknowledged append survives a crash of the process and of the machine.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private readonly queue: PendingAppend[] = [];
  private flushScheduled = false;
  /** When the waiting group was first due to commit (commitDelay). */
  private groupDueAt: number | undefined;
  /** Ends the waiting group's wait: close() commits it at once. */
  private wakeGroup: (() => void) | undefined;
  private closed = false;
  private readonly maxEventBytes: number;
  private readonly now: () => Date;
  private readonly statements;
  private readonly chainAlg: ChainAlg | false;
  /** INSERT statements of 1 … INSERT_ROWS rows, prepared when first needed. */
  private readonly inserts = new Map<number, Database.Statement>();
  /** `SELECT 1 FROM event_ids WHERE id_key IN (…)` for 1 … INSERT_ROWS keys. */
  private readonly anyKey = new Map<number, Database.Statement<unknown[], number>>();
  /** Claims of 1 … INSERT_ROWS slots of event_ids, prepared when first needed. */
  private readonly claims = new Map<number, Database.Statement>();
  private readonly idKey: (id: string) => bigint;
  private readonly idIndexLag: number;
  /** Ids of the events after ids_indexed_through, with their positions, as far as seen. */
  private readonly recent = new Map<string, number>();
  /**
   * Keys of ids looked up by appends since the last indexing: indexing needs them again, and
   * a key (a hash) costs more than keeping it. A pure function's answers: an append undone
   * leaves only keys that are still right; the whole map goes with `recent` at each indexing.
   */
  private readonly recentKeys = new Map<string, bigint>();
  /** Ids added to `recent` in the open write transaction, to forget when it is undone. */
  private readonly added: string[] = [];
  /** The last position whose event id is in `recent` or in event_ids; -1: to be read again. */
  private seenThrough = -1;
  /**
   * ids_indexed_through as this writer last read or moved it: every id up to it is in
   * event_ids, every later one in `recent`. 0: event_ids holds none (a store's first
   * idIndexLag events), so there are no keys to look up.
   */
  private keyedThrough = 0;
  private indexedInTransaction = false;
  /**
   * The keys of event_ids, so that new ids (nearly all) need no probe of it; made at the first
   * write. Every id up to `filteredThrough` has its key in it; -1 while it loads, or with none.
   */
  private filter: EventIdKeyFilter | undefined;
  private filteredThrough = -1;
  /** Where loading the filter goes on: after the last key read; it will cover `through`. */
  private filterLoad: { after: bigint | undefined; through: number } | undefined;
  private readonly idLookups = { skipped: 0, probed: 0 };
  private readonly recentReads = { served: 0 };
  private filterDropTold = false;
  /**
   * When the open write transaction's events are recorded: read once per transaction, so the
   * appends committed together carry one time (and a group of a hundred one clock reading).
   */
  private recordedAt: string | undefined;
  /** The last record, read when a write transaction begins and moved by each insert. */
  private tail: { position: number; chain: string | null } = { position: 0, chain: null };
  /** This connection's latest commits, read back from memory (see RecentRows). */
  private readonly recentRows = new RecentRows(INSERT_COLUMNS, 2, RECENT_ROWS, rowChars);
  /** Commits since a reader last asked for rows near the tail (see FOLLOWED_FOR_COMMITS). */
  private commitsUnfollowed = Infinity;
  /** The same for readers of chain links alone (a notary): they need no values kept. */
  private linkCommitsUnfollowed = Infinity;
  /** Whether the open write transaction keeps its rows: decided when it begins. */
  private keepingRows = false;
  /** Whether it keeps their data and metadata as values too (a reader of whole records follows). */
  private keepingValues = false;
  /**
   * PRAGMA data_version when this connection last began to write: another connection has
   * committed since exactly when it differs (a connection's own commits leave it as it is).
   */
  private dataVersion: number | undefined;

  constructor(private readonly options: SqliteEventStoreOptions) {
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    // better-sqlite3 defaults WAL to NORMAL, which may lose the last commits on power loss.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // Fewer, larger checkpoints (40 MB of WAL instead of 4): each one syncs the database file,
    // and batches touch the same index pages again and again. Every commit still syncs the WAL.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.idKey = openSchema(this.db, options.eventIdKey);
    this.idIndexLag = options.idIndexLag ?? DEFAULT_ID_INDEX_LAG;
    this.chainAlg = options.chain ?? 'sha256';
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.now = options.now ?? (() => new Date());
    this.appended.setMaxListeners(0);
    this.statements = {
      // One seek to the end of the stream's part of the (stream, revision) index.
      streamRevision: this.db.prepare<[string], { revision: number }>(
        'SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
      ),
      tail: this.db.prepare<[], { position: number; chain: string | null }>(
        'SELECT position, chain FROM events ORDER BY position DESC LIMIT 1',
      ),
      slot: this.db
        .prepare<[bigint], number>('SELECT position FROM event_ids WHERE id_key = ?')
        .pluck(),
      byPosition: this.db.prepare<[number], EventRow>('SELECT * FROM events WHERE position = ?'),
      // Claims a free slot in one statement: no change means the slot is taken (probe on).
      claimSlot: this.db.prepare<[bigint, number]>(
        'INSERT INTO event_ids (id_key, position) VALUES (?, ?) ON CONFLICT (id_key) DO NOTHING',
      ),
      idsAfter: this.db.prepare<[number], { position: number; event_id: string }>(
        'SELECT position, event_id FROM events WHERE position > ? ORDER BY position',
      ),
      idsBetween: this.db
        .prepare<[number, number], string>(
          'SELECT event_id FROM events WHERE position > ? AND position <= ? ORDER BY position',
        )
        .pluck(),
      // Keys beyond 2^53 must come back exact: they are hashed into the filter.
      firstKeys: this.db
        .prepare<[], bigint>(`SELECT id_key FROM event_ids ORDER BY id_key LIMIT ${FILTER_PAGE}`)
        .pluck()
        .safeIntegers(true),
      keysAfter: this.db
        .prepare<[bigint], bigint>(
          `SELECT id_key FROM event_ids WHERE id_key > ? ORDER BY id_key LIMIT ${FILTER_PAGE}`,
        )
        .pluck()
        .safeIntegers(true),
      indexedThrough: this.db
        .prepare<[], string>("SELECT value FROM store_meta WHERE name = 'ids_indexed_through'")
        .pluck(),
      setIndexedThrough: this.db.prepare<[string]>(
        "UPDATE store_meta SET value = ? WHERE name = 'ids_indexed_through'",
      ),
      readStream: this.db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      // Rows as arrays (EVENT_COLUMNS' order): a page of objects took a quarter longer to read.
      readAll: this.db
        .prepare<[number, number], EventColumns>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
        )
        .raw(true),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
      head: this.db.prepare<[], { position: number | null }>(
        'SELECT MAX(position) AS position FROM events',
      ),
      // Positions only: the primary key's b-tree, no row's content.
      countAfter: this.db
        .prepare<[number, number], number>(
          'SELECT count(*) FROM (SELECT 1 FROM events WHERE position > ? ORDER BY position LIMIT ?)',
        )
        .pluck(),
      begin: this.db.prepare('BEGIN IMMEDIATE'),
      commit: this.db.prepare('COMMIT'),
      rollback: this.db.prepare('ROLLBACK'),
      // Savepoints nest, so one name serves every level.
      savepoint: this.db.prepare('SAVEPOINT append'),
      release: this.db.prepare('RELEASE append'),
      rollbackTo: this.db.prepare('ROLLBACK TO append'),
    };
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
    if (this.closed) return Promise.reject(new InvalidAppendError('the event store is closed'));
    if (this.options.groupCommit === false) {
      try {
        // IMMEDIATE: the append reads revisions and the chain's tail before it writes; a
        // deferred transaction would fail at once with SQLITE_BUSY when another process
        // commits in between, instead of waiting for busy_timeout.
        const results = this.db
          .transaction(() => {
            this.beginWrite();
            // Lean: a failure after a write rolls the whole transaction back, and it holds
            // only this append.
            try {
              return this.applyAll(requests, true);
            } catch (error) {
              throw error instanceof HalfWritten ? error.original : error;
            }
          })
          .immediate();
        this.committed();
        this.appended.emit('appended');
        return Promise.resolve(results);
      } catch (error) {
        this.undone();
        return Promise.reject(storeError(error));
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ requests, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushOrWait());
      }
    });
  }

  /**
   * Commits the group now, or waits while appends are on their way (commitDelay): until none
   * is, or the wait is over. A closing store commits at once.
   */
  private flushOrWait(): void {
    const delay = this.options.commitDelay;
    if (delay && !this.closed && delay.arrivals.pending > 0) {
      const now = performance.now();
      const left = (this.groupDueAt ??= now) + (delay.maxWaitMs ?? 20) - now;
      if (left > 0) {
        let woken = false;
        let stopWaiting = (): void => undefined;
        const wake = () => {
          if (woken) return;
          woken = true;
          this.wakeGroup = undefined;
          clearTimeout(timer);
          stopWaiting();
          // The last arrival appends in the turn it says so: let that turn's promises settle.
          setImmediate(() => this.flushOrWait());
        };
        const timer = setTimeout(wake, left);
        stopWaiting = delay.arrivals.whenNone(wake);
        this.wakeGroup = wake;
        return;
      }
    }
    this.groupDueAt = undefined;
    this.flush();
  }

  /**
   * Commits every append queued since the last flush in one transaction (group commit). Lean
   * first: appends that fail before they write need no savepoint. When one fails half-way, the
   * group is rolled back and written again with a savepoint around each append.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0, this.queue.length);
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.commitGroup(batch, true) ?? this.commitGroup(batch, false)!;
    } catch (error) {
      for (const job of batch) job.reject(storeError(error));
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.results);
      else job.reject(storeError(outcome.error));
    });
    this.appended.emit('appended');
  }

  /**
   * One transaction for the group; each append keeps its own result or failure. Undefined when
   * a lean append failed half-way: the transaction was rolled back, nothing of it stays.
   */
  private commitGroup(batch: readonly PendingAppend[], lean: boolean): Outcome[] | undefined {
    try {
      this.statements.begin.run();
      this.beginWrite();
      const outcomes: Outcome[] = [];
      for (const job of batch) {
        try {
          outcomes.push({ ok: true, results: this.applyAll(job.requests, lean) });
        } catch (error) {
          if (error instanceof HalfWritten) {
            // SQLite may have rolled back already (some I/O errors do).
            if (this.db.inTransaction) this.statements.rollback.run();
            this.undone();
            return undefined;
          }
          outcomes.push({ ok: false, error });
        }
      }
      this.statements.commit.run();
      this.committed();
      return outcomes;
    } catch (error) {
      if (this.db.inTransaction) this.statements.rollback.run();
      this.undone();
      throw error;
    }
  }

  /**
   * Where the chain stands and which ids are taken, read inside the write transaction: another
   * process may have appended to the same file since (a CLI beside the running hub). When
   * enough ids wait in memory, they join event_ids first, in this transaction.
   */
  private beginWrite(): void {
    this.recordedAt = undefined;
    this.tail = this.statements.tail.get() ?? { position: 0, chain: null };
    // Nobody follows: keep nothing (rows kept before would no longer end at the head).
    this.keepingValues = this.commitsUnfollowed <= FOLLOWED_FOR_COMMITS;
    this.keepingRows = this.keepingValues || this.linkCommitsUnfollowed <= FOLLOWED_FOR_COMMITS;
    if (!this.keepingRows) this.recentRows.clear();
    else {
      // Under the write lock: no other connection can commit until this transaction ends.
      this.dataVersion = this.statements.dataVersion.get();
      // Another connection wrote since: what is kept no longer ends at the head, even if this
      // transaction writes nothing (a retry) and so adds nothing after it.
      if (this.recentRows.last() !== this.tail.position) this.recentRows.clear();
    }
    if (this.seenThrough < 0) {
      this.recent.clear();
      this.seenThrough = Number(this.statements.indexedThrough.get());
      this.keyedThrough = this.seenThrough;
    }
    if (this.tail.position > this.seenThrough) {
      for (const row of this.statements.idsAfter.all(this.seenThrough))
        this.recent.set(row.event_id, row.position);
      this.seenThrough = this.tail.position;
    }
    if (!this.filter) this.startFilter();
    // Ids another process moved into event_ids, known to this one only as `recent` until now.
    else if (this.filteredThrough >= 0) this.coverFilterThrough(this.keyedThrough);
    if (this.recent.size >= this.idIndexLag) this.indexRecentIds();
  }

  /**
   * Reads the keys of event_ids into a new filter: the first page now, inside the write
   * transaction, the rest a page at a time between appends (a store of millions of events
   * would otherwise hold its first append for seconds). Until it is whole, appends probe
   * event_ids as they did without it; keys written meanwhile join it at the first write after.
   * A filter that fails to load is dropped (and started again at a later write): appends go on
   * probing, never failing for it.
   */
  private startFilter(): void {
    try {
      const through = Number(this.statements.indexedThrough.get());
      this.filter = new EventIdKeyFilter(through);
      this.filterLoad = { after: undefined, through };
      if (this.loadFilterPage()) return;
    } catch (error) {
      this.dropFilter(error);
      return;
    }
    const step = () => {
      if (this.closed || !this.filterLoad) return;
      try {
        if (!this.loadFilterPage()) setImmediate(step);
      } catch (error) {
        this.dropFilter(error);
      }
    };
    setImmediate(step);
  }

  /**
   * Appends stay correct without the filter, only slower. The operator is told the first time:
   * it is tried again at every later write, and a cause that stays would fill the log.
   */
  private dropFilter(error: unknown): void {
    this.filter = undefined;
    this.filterLoad = undefined;
    this.filteredThrough = -1;
    if (this.filterDropTold) return;
    this.filterDropTold = true;
    this.options.logger?.warn(
      { code: 'EVENT_ID_FILTER_DROPPED', err: error },
      '事件标识过滤器加载失败，追加改为逐个查索引（结果不变，速度较慢） / the event-id filter failed to load; appends probe the index instead (same results, slower)',
    );
  }

  /** Adds a page of event_ids' keys; true when the filter is whole. */
  private loadFilterPage(): boolean {
    const load = this.filterLoad!;
    const keys =
      load.after === undefined
        ? this.statements.firstKeys.all()
        : this.statements.keysAfter.all(load.after);
    for (const key of keys) this.filter!.add(key);
    if (keys.length < FILTER_PAGE) {
      // Every id up to `through` was in event_ids before the first page was read, and stays.
      this.filteredThrough = load.through;
      this.filterLoad = undefined;
      return true;
    }
    load.after = keys[keys.length - 1];
    return false;
  }

  /** Adds the keys of the ids after `filteredThrough` up to `position` (a whole filter only). */
  private coverFilterThrough(position: number): void {
    if (position <= this.filteredThrough) return;
    for (const id of this.statements.idsBetween.all(this.filteredThrough, position))
      this.filter!.add(this.recentKeys.get(id) ?? this.idKey(id));
    this.filteredThrough = position;
  }

  /**
   * How appends looked for their ids in event_ids: `skipped`, keys the filter knew to be new;
   * `probed`, keys looked up in the index (a "perhaps", or the filter still loading).
   */
  eventIdLookups(): { filterWhole: boolean; skipped: number; probed: number } {
    return { filterWhole: this.filteredThrough >= 0, ...this.idLookups };
  }

  /**
   * Every id after ids_indexed_through joins event_ids, in key order: each page of the index
   * is written once for the lot, where appends one by one would write one page per id.
   */
  private indexRecentIds(): void {
    const from = Number(this.statements.indexedThrough.get());
    const keyed: Array<{ key: bigint; position: number }> = [];
    for (const [id, position] of this.idsAfter(from))
      keyed.push({ key: this.recentKeys.get(id) ?? this.idKey(id), position });
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.claimSlots(keyed);
    if (this.filter) {
      // Another process may have moved the ids before `from` (known here only in `recent`).
      if (this.filteredThrough >= 0) this.coverFilterThrough(from);
      for (const { key } of keyed) this.filter.add(key);
      if (this.filteredThrough >= 0) this.filteredThrough = this.tail.position;
    }
    this.statements.setIndexedThrough.run(String(this.tail.position));
    this.keyedThrough = this.tail.position;
    this.indexedInTransaction = true;
    this.recent.clear();
    this.recentKeys.clear();
    this.seenThrough = this.tail.position;
  }

  /**
   * The ids of the rows after `from`, with their positions. `recent` holds them when it has
   * exactly one id for each position after `from` up to the tail (every position is taken, one
   * after another): then they need not be read back from the events (a third of indexing's
   * time in a profile of W2). Otherwise (another process moved some of them into event_ids
   * since) they are read.
   */
  private idsAfter(from: number): Iterable<[string, number]> {
    const count = this.tail.position - from;
    if (count === this.recent.size) {
      const seen = new Uint8Array(count);
      let whole = true;
      for (const position of this.recent.values()) {
        const at = position - from - 1;
        if (at < 0 || at >= count || seen[at] === 1) {
          whole = false;
          break;
        }
        seen[at] = 1;
      }
      if (whole) return this.recent;
    }
    return this.statements.idsAfter.all(from).map((row) => [row.event_id, row.position]);
  }

  /**
   * Claims a slot of event_ids for each id, sorted by key: INSERT_ROWS keys a statement (one
   * statement per key took about twice as long in a profile of W2). A key found taken (another id's, astronomically
   * rarely) sends the ids of its statement that did not go in to claim one by one, probing on
   * from their key. Slots are never freed, so each id's slot is the first one free at or after
   * its key when it was claimed, whatever the order: what byId and lookUpKeys rely on.
   */
  private claimSlots(keyed: ReadonlyArray<{ key: bigint; position: number }>): void {
    for (let at = 0; at < keyed.length; at += INSERT_ROWS) {
      const chunk = keyed.slice(at, at + INSERT_ROWS);
      const params: Array<bigint | number> = [];
      for (const { key, position } of chunk) params.push(key, position);
      if (this.claimStatement(chunk.length).run(params).changes === chunk.length) continue;
      for (const { key, position } of chunk) {
        if (this.statements.slot.get(key) === position) continue;
        let free = key;
        while (this.statements.claimSlot.run(free, position).changes === 0) free = nextKey(free);
      }
    }
  }

  private claimStatement(count: number): Database.Statement {
    let statement = this.claims.get(count);
    if (!statement) {
      statement = this.db.prepare(
        `INSERT INTO event_ids (id_key, position) VALUES ${Array.from({ length: count }, () => '(?, ?)').join(', ')} ON CONFLICT (id_key) DO NOTHING`,
      );
      this.claims.set(count, statement);
    }
    return statement;
  }

  /** The write transaction committed: what it added to `recent` stays. */
  private committed(): void {
    this.recentRows.commit();
    this.commitsUnfollowed += 1;
    this.linkCommitsUnfollowed += 1;
    this.added.length = 0;
    this.indexedInTransaction = false;
    this.seenThrough = this.tail.position;
  }

  /**
   * The write transaction was rolled back: its own ids are forgotten; when it had moved ids
   * into event_ids, `recent` is read again at the next one.
   */
  private undone(): void {
    this.recentRows.discardStaged();
    this.forget(0);
    if (this.indexedInTransaction) this.seenThrough = -1;
    this.indexedInTransaction = false;
  }

  /** Forgets the ids added since `mark` (a savepoint rolled back). */
  private forget(mark: number): void {
    for (let i = mark; i < this.added.length; i++) this.recent.delete(this.added[i]!);
    this.added.length = mark;
  }

  /**
   * Applies an atomic multi-stream append inside the current transaction. `lean`: the caller
   * undoes the whole transaction on HalfWritten, so an append that is one INSERT (which SQLite
   * undoes by itself when it fails) needs no savepoint.
   */
  private applyAll(requests: readonly AppendRequest[], lean: boolean): AppendResult[] {
    const seen = new Set<string>();
    for (const request of requests) {
      if (!request.stream) throw new InvalidAppendError('stream name is empty');
      if (!chainableName(request.stream))
        throw new InvalidAppendError(
          `stream name ${JSON.stringify(request.stream)} holds a control character`,
        );
      if (request.events.length === 0)
        throw new InvalidAppendError(`append to ${request.stream} has no events`);
      for (const event of request.events) {
        if (seen.has(event.id))
          throw new InvalidAppendError(`event id ${event.id} appears twice in one append`);
        if (!chainableName(event.id) || !chainableName(event.type))
          throw new InvalidAppendError(
            `event id or type of ${JSON.stringify(event.id)} holds a control character`,
          );
        seen.add(event.id);
      }
    }
    // A failing append must leave nothing behind beside the appends it is committed with. A
    // single request is undone by applyOne (its savepoint, or the caller when lean); several
    // need one savepoint around them all, which also undoes whatever one of them left half
    // written: inside it each runs lean, without a savepoint of its own (two statements fewer
    // per stream: an ingress read of 2,000 events to 2,000 streams took 4,000).
    if (requests.length === 1) return [this.applyOne(requests[0]!, lean)];
    return this.inSavepoint(() => requests.map((r) => this.applyOne(r, true)));
  }

  /** Runs `work` so that, when it throws, exactly its own writes are undone. */
  private inSavepoint<T>(work: () => T): T {
    const { savepoint, release, rollbackTo } = this.statements;
    const tail = this.tail;
    const mark = this.added.length;
    savepoint.run();
    try {
      const result = work();
      release.run();
      return result;
    } catch (error) {
      rollbackTo.run();
      release.run();
      this.tail = tail;
      this.recentRows.unstageAfter(tail.position);
      this.forget(mark);
      // The savepoint undid the half that was written.
      throw error instanceof HalfWritten ? error.original : error;
    }
  }

  /**
   * Lean, an append of at most INSERT_ROWS events runs without a savepoint: writeFast writes
   * nothing before it fails, or fails inside its one INSERT (undone by SQLite). Two statements
   * fewer per append, and no page copied into a statement journal.
   */
  private applyOne(request: AppendRequest, lean: boolean): AppendResult {
    const guard =
      lean && request.events.length <= INSERT_ROWS
        ? <T>(work: () => T): T => work()
        : <T>(work: () => T): T => this.inSavepoint(work);
    try {
      return guard(() => this.writeFast(request));
    } catch (error) {
      if (!(error instanceof PossibleRetry)) throw error;
      // Guarded on its own: a retry that writes its new events and then fails leaves nothing
      // behind.
      const { original } = error;
      return guard(() => this.writeRetry(request, original, original === undefined));
    }
  }

  /**
   * The common case: new events, revision as expected. Anything else may be a retry: an id
   * among the latest ones, or its key in event_ids (another id's, when keys collide). `fresh`:
   * the ids were found new by writeRetry, a key taken was another id's.
   */
  private writeFast(request: AppendRequest, fresh = false): AppendResult {
    const { stream, events } = request;
    const current = this.statements.streamRevision.get(stream)?.revision;
    const expected = request.expectedRevision ?? 'any';
    if (!revisionMatches(expected, current)) {
      throw new PossibleRetry(
        new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream'),
      );
    }
    if (!fresh) {
      for (const event of events) if (this.recent.has(event.id)) throw new PossibleRetry();
      if (this.keyedThrough > 0) this.lookUpKeys(events);
    }
    const recordedAt = (this.recordedAt ??= this.now().toISOString());
    let revision = current ?? -1;
    // The chain's tail moves only once the rows are written: a failure before leaves it as it
    // was, with or without a savepoint.
    let { position, chain } = this.tail;
    // One multi-row INSERT per INSERT_ROWS events: a statement per event costs more than the
    // rows themselves. A unique violation undoes its own INSERT.
    const rows: unknown[] = [];
    for (const event of events) {
      const data = JSON.stringify(event.data ?? null);
      const metadata = JSON.stringify(event.metadata ?? {});
      // A UTF-16 unit is at most 3 bytes of UTF-8: counted exactly only near the limit.
      const units = data.length + metadata.length;
      const bytes =
        3 * units <= this.maxEventBytes
          ? units
          : Buffer.byteLength(data) + Buffer.byteLength(metadata);
      if (bytes > this.maxEventBytes)
        throw new EventTooLargeError(event.id, bytes, this.maxEventBytes);
      revision += 1;
      // Positions are given here, one after the last record, so the chain can cover them.
      position += 1;
      chain = this.chainAlg
        ? `${this.chainAlg}:${hash(
            this.chainAlg,
            chainInput(chain, {
              position,
              stream,
              revision,
              id: event.id,
              type: event.type,
              recordedAt,
              dataJson: data,
              metadataJson: metadata,
            }),
          )}`
        : null;
      rows.push(
        position,
        event.id,
        stream,
        revision,
        event.type,
        data,
        metadata,
        recordedAt,
        chain,
      );
    }
    const perStatement = INSERT_ROWS * INSERT_COLUMNS;
    for (let at = 0; at < rows.length; at += perStatement) {
      const chunk = rows.length <= perStatement ? rows : rows.slice(at, at + perStatement);
      try {
        this.insertStatement(chunk.length / INSERT_COLUMNS).run(chunk);
      } catch (error) {
        // The first INSERT leaves nothing when it fails; a later one leaves the earlier rows.
        if (at === 0 && isUniqueViolation(error)) throw new PossibleRetry(error);
        throw new HalfWritten(isUniqueViolation(error) ? new PossibleRetry(error) : error);
      }
    }
    this.tail = { position, chain };
    // The rows are written: whatever fails from here on fails half-way (lean, nothing would
    // undo them, and the append would be reported failed with its rows committed).
    try {
      if (this.keepingRows)
        this.recentRows.stage(
          position - events.length + 1,
          rows,
          // For links alone the values are not worth their walk (nor freezing the caller's).
          this.keepingValues ? sharedValuesOf(events) : textsOnly(events.length),
        );
      let at = position - events.length;
      for (const event of events) {
        this.recent.set(event.id, ++at);
        this.added.push(event.id);
      }
    } catch (error) {
      throw new HalfWritten(error);
    }
    return { stream, nextExpectedRevision: revision, position: BigInt(position), duplicate: false };
  }

  /**
   * Throws PossibleRetry when the key of one of these ids is in event_ids: the filter rules
   * out the new ones, the rest are looked up with one statement per INSERT_ROWS keys (a
   * statement per key costs more than the lookups).
   */
  private lookUpKeys(events: readonly NewEvent[]): void {
    // The filter holds every key of event_ids only once it covers what this writer knows of it.
    const filter = this.filteredThrough >= this.keyedThrough ? this.filter : undefined;
    for (let at = 0; at < events.length; at += INSERT_ROWS) {
      // Bounded: appends that fail after their lookup leave keys no indexing will clear.
      if (this.recentKeys.size > 2 * this.idIndexLag) this.recentKeys.clear();
      let keys = events.slice(at, at + INSERT_ROWS).map((event) => {
        const key = this.idKey(event.id);
        this.recentKeys.set(event.id, key);
        return key;
      });
      if (filter) {
        const perhaps = keys.filter((key) => filter.mayHave(key));
        this.idLookups.skipped += keys.length - perhaps.length;
        if (perhaps.length === 0) continue;
        keys = perhaps;
      }
      this.idLookups.probed += keys.length;
      if (this.anyKeyStatement(keys.length).get(keys) !== undefined) throw new PossibleRetry();
    }
  }

  private anyKeyStatement(count: number): Database.Statement<unknown[], number> {
    let statement = this.anyKey.get(count);
    if (!statement) {
      statement = this.db
        .prepare<unknown[], number>(
          `SELECT 1 FROM event_ids WHERE id_key IN (${Array.from({ length: count }, () => '?').join(', ')}) LIMIT 1`,
        )
        .pluck();
      this.anyKey.set(count, statement);
    }
    return statement;
  }

  private insertStatement(count: number): Database.Statement {
    let statement = this.inserts.get(count);
    if (!statement) {
      statement = this.db.prepare(
        `INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at, chain) VALUES ${Array.from(
          { length: count },
          () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).join(', ')}`,
      );
      this.inserts.set(count, statement);
    }
    return statement;
  }

  /**
   * The recorded event with this id: among the latest ones, or at its key's slot in event_ids
   * and the following ones (probing).
   */
  private byId(id: string): EventRow | undefined {
    const latest = this.recent.get(id);
    if (latest !== undefined) {
      const row = this.statements.byPosition.get(latest);
      if (row?.event_id === id) return row;
    }
    for (let key = this.idKey(id); ; key = nextKey(key)) {
      const position = this.statements.slot.get(key);
      if (position === undefined) return undefined;
      const row = this.statements.byPosition.get(position);
      if (row?.event_id === id) return row;
    }
  }

  /**
   * Some event id was already recorded (or its key taken by another id), or the revision did
   * not match. A retry of an earlier
   * append (every event already there, same content, same stream) returns the original result;
   * a mix of recorded and new events is written only when the writer did not ask for a revision.
   */
  private writeRetry(request: AppendRequest, original: unknown, idSeen: boolean): AppendResult {
    const recorded: EventRow[] = [];
    const fresh: NewEvent[] = [];
    for (const event of request.events) {
      const row = this.byId(event.id);
      if (!row) {
        fresh.push(event);
        continue;
      }
      if (row.stream !== request.stream) {
        throw new IdempotencyConflictError(
          event.id,
          `was already recorded in stream ${row.stream}`,
        );
      }
      const stored = {
        type: row.type,
        data: JSON.parse(row.data) as unknown,
        metadata: JSON.parse(row.metadata) as Record<string, unknown>,
      };
      if (!sameContent(event, stored)) {
        throw new IdempotencyConflictError(event.id, 'was already recorded with different content');
      }
      recorded.push(row);
    }
    if (fresh.length === 0) {
      const last = recorded.reduce((a, b) => (b.position > a.position ? b : a));
      return {
        stream: request.stream,
        nextExpectedRevision: last.revision,
        position: BigInt(last.position),
        duplicate: true,
      };
    }
    if (recorded.length === 0) {
      // Every id is new: a mismatched revision or a unique violation stays the answer; an id
      // key taken was another id's.
      if (!idSeen) throw original;
      try {
        return this.writeFast(request, true);
      } catch (error) {
        throw noSecondRetry(error);
      }
    }
    if ((request.expectedRevision ?? 'any') !== 'any') {
      throw new IdempotencyConflictError(
        recorded[0]!.event_id,
        'was recorded by an earlier append that this one only partly repeats; retry it with expected revision "any" or without the recorded events',
      );
    }
    try {
      return this.writeFast(
        { stream: request.stream, events: fresh, expectedRevision: 'any' },
        true,
      );
    } catch (error) {
      throw noSecondRetry(error);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = this.statements.readStream.all(
      stream,
      options.fromRevision ?? 0,
      options.maxCount ?? Number.MAX_SAFE_INTEGER,
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.after, options.maxCount ?? 1000);
  }

  private readAllSync(after: GlobalPosition | undefined, maxCount: number): RecordedEvent[] {
    const from = after === undefined ? 0 : Number(after);
    if (from + RECENT_ROWS.rows >= this.tail.position) this.commitsUnfollowed = 0;
    const recent = this.readRecent(from, maxCount, recordOf);
    if (recent) return recent;
    return this.statements.readAll.all(from, maxCount).map(columnsToRecorded);
  }

  /**
   * The rows after `from` as this connection committed them, when it holds them all: none
   * older than it keeps is wanted, and no other connection has committed since it last wrote
   * (that one's rows would be missing here). Undefined: read the file.
   */
  private readRecent<R>(
    from: number,
    maxCount: number,
    build: (
      values: readonly unknown[],
      at: number,
      shared: readonly unknown[],
      sharedAt: number,
    ) => R,
  ): R[] | undefined {
    if (this.recentRows.last() === undefined) return undefined;
    if (this.statements.dataVersion.get() !== this.dataVersion) {
      this.recentRows.clear();
      return undefined;
    }
    const records = this.recentRows.read(from, maxCount, build);
    if (records) this.recentReads.served += records.length;
    return records;
  }

  /** How many events readAll and subscriptions were given from memory (RecentRows). */
  recentReadCount(): number {
    return this.recentReads.served;
  }

  /**
   * Records as kept, data and metadata as their stored JSON text, in global order: what moving
   * this history into another store copies (see StoredRecord).
   */
  readStored(after: GlobalPosition | undefined, maxCount: number): StoredRecord[] {
    return this.statements.readAll
      .all(after === undefined ? 0 : Number(after), maxCount)
      .map(([position, id, stream, revision, type, dataJson, metadataJson, recordedAt, chain]) => ({
        position: BigInt(position),
        id,
        stream,
        revision,
        type,
        dataJson,
        metadataJson,
        recordedAt,
        ...(chain ? { chain } : {}),
      }));
  }

  subscribeToAll(
    handler: (event: RecordedEvent) => Promise<void> | void,
    options: SubscriptionOptions = {},
  ): Subscription {
    return startPollingSubscription({
      read: (after, max) => this.readAllSync(after, max),
      notifier: this.appended,
      pollIntervalMs: this.options.pollIntervalMs ?? 250,
      handler,
      options,
    });
  }

  /** Positions and chain links only: no event's data or metadata is read or parsed. */
  subscribeToChainLinks(
    handler: (link: ChainLinkRecord) => Promise<void> | void,
    options: SubscriptionOptions = {},
  ): Subscription {
    const links = this.db.prepare<[number, number], { position: number; chain: string | null }>(
      'SELECT position, chain FROM events WHERE position > ? ORDER BY position LIMIT ?',
    );
    return startPollingSubscription({
      read: (after, max) => {
        const from = after === undefined ? 0 : Number(after);
        // A notary following the tail alone: without this it read every link back from the
        // file (the WAL's pages, long gone from the cache), 4% of an ingesting hub's thread.
        if (from + RECENT_ROWS.rows >= this.tail.position) this.linkCommitsUnfollowed = 0;
        return (
          this.readRecent(from, max, linkOf) ??
          links.all(from, max).map((row) => ({
            position: BigInt(row.position),
            ...(row.chain ? { chain: row.chain } : {}),
          }))
        );
      },
      notifier: this.appended,
      pollIntervalMs: this.options.pollIntervalMs ?? 250,
      handler,
      options,
    });
  }

  /** Wakes this handle's subscribers: another connection of this process committed (a writer thread). */
  notifyAppended(): void {
    this.appended.emit('appended');
  }

  async headPosition(): Promise<GlobalPosition | undefined> {
    const position = this.statements.head.get()?.position;
    return position == null ? undefined : BigInt(position);
  }

  async countAfter(after: GlobalPosition | undefined, cap: number): Promise<number> {
    return this.statements.countAfter.get(after === undefined ? 0 : Number(after), cap) ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeGroup?.();
    while (this.queue.length > 0 || this.flushScheduled) await new Promise((r) => setImmediate(r));
    this.appended.emit('closed');
    this.db.close();
  }
}

function revisionMatches(expected: ExpectedRevision, current: number | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    default:
      return current === expected;
  }
}

/**
 * The port's error for a failure of SQLite itself: a full disk (SQLITE_FULL, which SQLite
 * also reports when the WAL cannot grow) becomes EventStoreFullError, which callers map
 * (HTTP 507) and health checks watch; anything else is passed on as it is.
 */
function storeError(error: unknown): Error {
  if ((error as { code?: unknown }).code === 'SQLITE_FULL')
    return new EventStoreFullError({ cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

/** A failure of writeFast called by writeRetry: no second retry, the failure itself. */
function noSecondRetry(error: unknown): unknown {
  if (error instanceof PossibleRetry) return error.original;
  if (error instanceof HalfWritten && error.original instanceof PossibleRetry)
    return new HalfWritten(error.original.original);
  return error;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // PRIMARYKEY: an id key already in event_ids.
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The 64-bit key of an event id: SHA-256 of the store's secret and the id, its first 8 bytes. */
function eventIdKey(secret: string, id: string): bigint {
  return hash('sha256', secret + id, 'buffer').readBigInt64BE(0);
}

/** The slot after `key`, wrapping at the end of the signed 64-bit range. */
function nextKey(key: bigint): bigint {
  return BigInt.asIntN(64, key + 1n);
}

/**
 * Creates the schema, or brings an earlier one to version 3, and returns the function that keys
 * the store's event ids (from the store's secret unless the caller gives one). Upgrades run in
 * one transaction: a crash leaves the old schema whole, and another process opening the file
 * meanwhile waits. From version 0 (event ids unique in the events table itself, with
 * AUTOINCREMENT) the events are copied into the new table and every id is keyed; from any
 * earlier version the table of stream revisions goes.
 */
function openSchema(
  db: Database.Database,
  given: ((id: string) => bigint) | undefined,
): (id: string) => bigint {
  const keyOf = (): ((id: string) => bigint) => {
    const secret = db
      .prepare<[], string>("SELECT value FROM store_meta WHERE name = 'event_id_key'")
      .pluck()
      .get()!;
    return given ?? ((id) => eventIdKey(secret, id));
  };
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() !== SCHEMA_VERSION) {
    db.transaction(() => {
      const found = version();
      if (found > SCHEMA_VERSION)
        throw new Error(
          `the event store's schema ${found} is newer than this code's (${SCHEMA_VERSION})`,
        );
      if (found === SCHEMA_VERSION) return;
      db.exec('DROP TABLE IF EXISTS streams');
      if (found === 2) {
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
        return;
      }
      const existing = db
        .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')")
        .all();
      if (existing.length > 0) {
        // Stores made before the chain existed have no such column; their records stay unchained.
        const chain = existing.some((c) => c.name === 'chain') ? 'chain' : 'NULL';
        db.exec(`ALTER TABLE events RENAME TO events_v1;
          CREATE TABLE events ${EVENTS_TABLE};
          INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at, chain)
            SELECT position, event_id, stream, revision, type, data, metadata, recorded_at, ${chain}
            FROM events_v1 ORDER BY position;
          DROP TABLE events_v1;`);
      }
      db.exec(SCHEMA);
      db.prepare('INSERT OR IGNORE INTO store_meta (name, value) VALUES (?, ?)').run(
        'event_id_key',
        randomBytes(32).toString('hex'),
      );
      // The ids of an upgraded store join event_ids now, so that none wait in memory.
      const through = existing.length > 0 ? keyEveryId(db, keyOf()) : 0;
      db.prepare('INSERT OR IGNORE INTO store_meta (name, value) VALUES (?, ?)').run(
        'ids_indexed_through',
        String(through),
      );
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  return keyOf();
}

/**
 * Fills event_ids from the events of an upgraded store, a page of rows at a time; returns the
 * last position keyed.
 */
function keyEveryId(db: Database.Database, key: (id: string) => bigint): number {
  const page = db.prepare<[number], { position: number; event_id: string }>(
    'SELECT position, event_id FROM events WHERE position > ? ORDER BY position LIMIT 10000',
  );
  const taken = db.prepare<[bigint], number>('SELECT 1 FROM event_ids WHERE id_key = ?').pluck();
  const insert = db.prepare('INSERT INTO event_ids (id_key, position) VALUES (?, ?)');
  for (let after = 0; ;) {
    const rows = page.all(after);
    if (rows.length === 0) return after;
    for (const row of rows) {
      let k = key(row.event_id);
      while (taken.get(k) !== undefined) k = nextKey(k);
      insert.run(k, row.position);
    }
    after = rows[rows.length - 1]!.position;
  }
}

function columnsToRecorded(row: EventColumns): RecordedEvent {
  const chain = row[8];
  const recorded: RecordedEvent = {
    id: row[1],
    type: row[4],
    data: JSON.parse(row[5]) as unknown,
    metadata: JSON.parse(row[6]) as Record<string, unknown>,
    streamName: row[2],
    revision: row[3],
    position: BigInt(row[0]),
    recordedAt: row[7],
  };
  if (chain) recorded.chain = chain;
  return recorded;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    streamName: row.stream,
    revision: row.revision,
    position: BigInt(row.position),
    recordedAt: row.recorded_at,
    ...(row.chain ? { chain: row.chain } : {}),
  };
}
