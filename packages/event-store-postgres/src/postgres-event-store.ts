import { hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { migrate, openPool } from '@hub/postgres-schema';
import {
  EventStoreFullError,
  EventStoreUnavailableError,
  InvalidAppendError,
  algOfLink,
  chainInput,
  type AppendRequest,
  type AppendResult,
  type ChainAlg,
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
} from '@hub/event-store';
import { GroupState, type StoredRow } from './group-state.js';
import { KnownTail } from './known-tail.js';
import { startSubscription } from './subscription.js';

export interface PostgresEventStoreOptions {
  /** `postgres://user@host:5432/db`. */
  connectionString: string;
  /** Schema of the store's tables (created if missing; default `public`). */
  schema?: string;
  /** Largest event accepted, data plus metadata as JSON (default 1 MiB). */
  maxEventBytes?: number;
  /**
   * The hash of the chain every recorded event joins (default SHA-256; `sm3` for the national
   * algorithms). `false` records no chain: only for measuring what the chain costs.
   */
  chain?: ChainAlg | false;
  /** Clock for recordedAt (the demo's); default the server's clock, the same for every process. */
  now?: () => Date;
  /** Connections for reads and the writer (default 4). */
  poolSize?: number;
  /** How often a subscriber looks for new events if no notification came (default 1 s). */
  pollIntervalMs?: number;
  /** Most events committed in one group (default 5,000). */
  maxGroupEvents?: number;
}

/** How a store's append groups went (see `PostgresEventStore.groupStats`). */
export interface GroupStats {
  /** Sent in one statement, decided on what the process knew. */
  oneStatement: number;
  /** Read under the tail lock first (two round trips). */
  locked: number;
  /** One-statement guesses refused: another process had moved the tail, */
  tailMoved: number;
  /** the estimate of the server's clock was off, */
  clockOff: number;
  /** or a stream revision or event id was not what the process knew. */
  unique: number;
}

interface PendingAppend {
  requests: readonly AppendRequest[];
  events: number;
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

interface EventRow {
  position: string;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
  chain: string | null;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
/**
 * Serialises migrations when several processes start at once (the number the first release
 * locked, so a process of that release and a newer one starting together wait for each other).
 */
const MIGRATION_LOCK = 7_318_461_102;
/** SQLSTATEs of hub_advance_tail: what this process knew is stale; decide again under the lock. */
const TAIL_MOVED = 'HT001';
const CLOCK_OFF = 'HT002';
/** unique_violation: an event id, a stream revision or a position the guess took is recorded. */
const UNIQUE_VIOLATION = '23505';

/** The first migration (a later change to the tables is a step of its own). */
const schemaSql = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.event_log (
  position    BIGINT PRIMARY KEY,
  event_id    TEXT NOT NULL UNIQUE,
  stream      TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT NOT NULL,
  data        TEXT NOT NULL,
  metadata    TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  chain       TEXT,
  UNIQUE (stream, revision)
);
CREATE TABLE IF NOT EXISTS ${s}.event_streams (
  stream   TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.event_log_tail (
  only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
  position BIGINT NOT NULL,
  chain    TEXT
);
INSERT INTO ${s}.event_log_tail (only_row, position, chain) VALUES (TRUE, 0, NULL)
  ON CONFLICT DO NOTHING;
-- Takes the tail lock and moves the tail on, if it is still where this process last saw it and
-- recorded_at is the server's clock of the last second; else raises ${TAIL_MOVED} or ${CLOCK_OFF}
-- (the appender then reads what is recorded and decides again). Returns the server's clock.
CREATE OR REPLACE FUNCTION ${s}.hub_advance_tail(
  expected BIGINT, expected_chain TEXT, next BIGINT, next_chain TEXT, recorded_at TIMESTAMPTZ)
RETURNS TIMESTAMPTZ LANGUAGE plpgsql AS $fn$
DECLARE
  locked_at TIMESTAMPTZ;
BEGIN
  UPDATE ${s}.event_log_tail SET position = next, chain = next_chain
   WHERE position = expected AND chain IS NOT DISTINCT FROM expected_chain
  RETURNING clock_timestamp() INTO locked_at;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the tail is no longer at %', expected USING ERRCODE = '${TAIL_MOVED}';
  END IF;
  IF recorded_at > locked_at OR recorded_at < locked_at - INTERVAL '1 second' THEN
    RAISE EXCEPTION 'recorded_at % is not the server clock %', recorded_at, locked_at
      USING ERRCODE = '${CLOCK_OFF}';
  END IF;
  RETURN locked_at;
END
$fn$;`;

/**
 * The server-mode event store: PostgreSQL, with the embedded store's promises. Every append
 * transaction first locks the one-row tail table, so appends from every process commit one
 * after another, each taking the positions right after the last: the global order has no gaps
 * and commits in position order, which is what lets the hash chain cover positions and lets a
 * reader page by `position > checkpoint` without ever skipping an event committed late (the
 * trap of sequence-numbered stores). Appends that arrive together in this process share one
 * transaction (group commit), so one lock and one sync serve many writers.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  /**
   * The one connection appends go through, pipelined. A group costs one round trip when what
   * this process knows of the tail is still true, two when it must read it first.
   */
  private readonly writer: pg.Pool;
  private readonly schema: string;
  private readonly ready: Promise<void>;
  private readonly appended = new EventEmitter();
  private readonly queue: PendingAppend[] = [];
  private readonly subscriptions = new Set<Subscription>();
  private readonly known = new KnownTail();
  private readonly groups: GroupStats = {
    oneStatement: 0,
    locked: 0,
    tailMoved: 0,
    clockOff: 0,
    unique: 0,
  };
  private flushing: Promise<void> | undefined;
  private listener: pg.Client | undefined;
  private listenerStarting: Promise<void> | undefined;
  private closed = false;
  private readonly channel: string;
  private readonly sql;

  constructor(private readonly options: PostgresEventStoreOptions) {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new InvalidAppendError(
        `schema name "${schema}" must be lower-case letters, digits and _`,
      );
    this.schema = schema;
    this.channel = `hub_event_log_${schema}`;
    // A connection that breaks, idle or in the middle of an append, is reported by its query
    // and replaced (see openPool).
    this.pool = openPool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: 10_000,
    });
    this.writer = openPool({
      connectionString: options.connectionString,
      max: 1,
      pipeline: true,
      connectionTimeoutMillis: 10_000,
    });
    this.appended.setMaxListeners(0);
    const s = schema;
    this.sql = {
      lockTail: `SELECT position, chain, clock_timestamp() AS now FROM ${s}.event_log_tail FOR UPDATE`,
      known: `SELECT stream, revision, NULL::bigint AS position, NULL AS event_id, NULL AS type,
                     NULL AS data, NULL AS metadata, NULL AS recorded_at, NULL AS chain
                FROM ${s}.event_streams WHERE stream = ANY($1::text[])
              UNION ALL
              SELECT stream, revision, position, event_id, type, data, metadata, recorded_at, chain
                FROM ${s}.event_log WHERE event_id = ANY($2::text[])`,
      // One statement writes the events (rows from writeValues), the streams' revisions and the
      // tail, and notifies listeners (delivered at commit).
      insert: (values: string) =>
        `INSERT INTO ${s}.event_log
           (position, event_id, stream, revision, type, data, metadata, recorded_at, chain)
         VALUES ${values}`,
      write: (values: string) => `WITH events AS (
                INSERT INTO ${s}.event_log
                  (position, event_id, stream, revision, type, data, metadata, recorded_at, chain)
                VALUES ${values}
              ), streams AS (
                INSERT INTO ${s}.event_streams (stream, revision)
                SELECT * FROM unnest($3::text[], $4::int[])
                ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision
              ), tail AS (
                UPDATE ${s}.event_log_tail SET position = $1, chain = $2
              )
              SELECT pg_notify('${this.channel}', $1::text)`,
      readAll: `SELECT * FROM ${s}.event_log WHERE position > $1 ORDER BY position LIMIT $2`,
      readStream: `SELECT * FROM ${s}.event_log WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
      head: `SELECT position FROM ${s}.event_log_tail`,
      countAfter: `SELECT count(*) AS n FROM (SELECT 1 FROM ${s}.event_log WHERE position > $1 ORDER BY position LIMIT $2) AS after_position`,
      // The group decided on the known tail, in one statement (one implicit transaction): every
      // row joins the guard, so the tail is locked and checked before anything is written.
      writeOnKnownTail: (values: string) => `WITH tail AS (
                SELECT ${s}.hub_advance_tail($1::bigint, $2::text, $3::bigint, $4::text,
                                             $5::timestamptz) AS now
              ), events AS (
                INSERT INTO ${s}.event_log
                  (position, event_id, stream, revision, type, data, metadata, recorded_at, chain)
                SELECT v.* FROM tail, (VALUES ${values}) AS v
              ), streams AS (
                INSERT INTO ${s}.event_streams (stream, revision)
                SELECT u.* FROM tail, unnest($6::text[], $7::int[]) AS u
                ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision
              )
              SELECT now, pg_notify('${this.channel}', $3::text) FROM tail`,
    };
    this.ready = migrate(this.pool, s, {
      versionTable: 'hub_event_log_schema',
      lock: MIGRATION_LOCK,
      steps: [schemaSql(s)],
    });
    // Surfaced by the first call; keep it from becoming an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
  }

  /** A read; `name` prepares it once on each pooled connection (for the frequent ones). */
  private async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
    name?: string,
  ) {
    await this.ready.catch((error: unknown) => {
      throw storeError(error);
    });
    try {
      return await this.pool.query<R>({ text, values, ...(name ? { name } : {}) });
    } catch (error) {
      throw storeError(error);
    }
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
    return new Promise((resolve, reject) => {
      const events = requests.reduce((n, r) => n + r.events.length, 0);
      this.queue.push({ requests, events, resolve, reject });
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      // An append queued after the flush's last look at the queue, before it ended.
      if (this.queue.length > 0) this.startFlush();
    });
  }

  /** Commits queued appends group by group until the queue is empty; one flush at a time. */
  private async flush(): Promise<void> {
    // Let the appends of this turn of the event loop join the first group.
    await new Promise((r) => setImmediate(r));
    const limit = this.options.maxGroupEvents ?? 5000;
    while (this.queue.length > 0) {
      let events = 0;
      let take = 0;
      while (take < this.queue.length && (take === 0 || events + this.queue[take]!.events <= limit))
        events += this.queue[take++]!.events;
      await this.commitGroup(this.queue.splice(0, take));
    }
  }

  /**
   * Commits one group: in one round trip when it can be decided on what this process already
   * knows (the usual case with one writing process), else reading under the tail lock first.
   */
  private async commitGroup(batch: PendingAppend[]): Promise<void> {
    const guess = this.decideOnKnownTail(batch);
    if (guess && (await this.commitOnKnownTail(batch, guess))) return;
    this.groups.locked++;
    await this.commitLocked(batch);
  }

  /**
   * How this process's append groups went: sent in one statement, or read under the lock (two
   * round trips), and why a one-statement guess was refused (another process moved the tail, the
   * clock estimate was off, a stream revision or event id it did not know). For benchmarks and
   * diagnosis: a store where most groups are decided again is slow for a reason worth finding.
   */
  get groupStats(): Readonly<GroupStats> {
    return { ...this.groups };
  }

  /**
   * The group decided on the known tail and revisions, taking streams not known as new and
   * event ids as not recorded. Only a group where every append simply writes is sent this way:
   * a failure or a duplicate decided on a guess could be wrong, so those read first.
   */
  private decideOnKnownTail(
    batch: PendingAppend[],
  ): { state: GroupState; results: AppendResult[][]; recordedAt: string | null } | undefined {
    const tail = this.known.current;
    const now = this.known.serverNow();
    if (!tail || !now) return undefined;
    const serverNow = now.toISOString();
    const state = new GroupState(
      tail,
      this.known.revisionsOf(batch.flatMap((j) => j.requests.map((r) => r.stream))),
      new Map(),
      {
        chainAlg: this.options.chain ?? 'sha256',
        maxEventBytes: this.options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
        recordedAt: this.options.now ? () => this.options.now!().toISOString() : () => serverNow,
      },
    );
    const results: AppendResult[][] = [];
    for (const job of batch) {
      try {
        const result = state.apply(job.requests);
        if (result.some((r) => r.duplicate)) return undefined;
        results.push(result);
      } catch {
        return undefined;
      }
    }
    if (state.rows.length === 0 || state.rows.length > ROWS_PER_STATEMENT) return undefined;
    // The demo's clock is its own; the server's, estimated, is checked under the lock.
    return { state, results, recordedAt: this.options.now ? null : serverNow };
  }

  /**
   * Sends a group decided on the known tail. The tail is checked under its lock and the unique
   * keys (position, event id, stream and revision) refuse any other stale guess; then nothing
   * was written and this answers false, for the caller to read and decide again.
   */
  private async commitOnKnownTail(
    batch: PendingAppend[],
    guess: { state: GroupState; results: AppendResult[][]; recordedAt: string | null },
  ): Promise<boolean> {
    const { state } = guess;
    const tail = this.known.current!;
    let client: pg.PoolClient | undefined;
    let now: Date;
    try {
      client = await this.writer.connect();
      const count = state.rows.length;
      const { rows } = await client.query<{ now: Date }>({
        // Parsed and planned once on the connection for the usual sizes of a group.
        ...(count <= PREPARED_MAX_ROWS ? { name: `hub_known_tail_${count}` } : {}),
        text: this.sql.writeOnKnownTail(writeValues(count, 8)),
        values: [
          tail.position.toString(),
          tail.chain,
          state.tailPosition.toString(),
          state.tailChain,
          guess.recordedAt,
          [...state.written.keys()],
          [...state.written.values()],
          ...rowParams(state.rows),
        ],
      });
      now = rows[0]!.now;
    } catch (error) {
      this.known.forget();
      const code = (error as { code?: unknown }).code;
      if (code === CLOCK_OFF) this.known.forgetClock();
      if (client && (code === TAIL_MOVED || code === CLOCK_OFF || code === UNIQUE_VIOLATION)) {
        this.groups[
          code === TAIL_MOVED ? 'tailMoved' : code === CLOCK_OFF ? 'clockOff' : 'unique'
        ]++;
        client.release();
        return false;
      }
      // The outcome of a statement lost with its connection is unknown: a retry is safe.
      client?.release(true);
      for (const job of batch) job.reject(storeError(error));
      return true;
    }
    const receivedAt = this.known.monotonicMs();
    client.release();
    this.groups.oneStatement++;
    this.known.learn(
      { position: state.tailPosition, chain: state.tailChain },
      state.written,
      now,
      receivedAt,
    );
    batch.forEach((job, i) => job.resolve(guess.results[i]!));
    this.appended.emit('appended');
    return true;
  }

  /** Commits a group in two round trips: lock the tail and read what is recorded, then write. */
  private async commitLocked(batch: PendingAppend[]): Promise<void> {
    let client: pg.PoolClient | undefined;
    let outcomes: Array<{ ok: true; results: AppendResult[] } | { ok: false; error: unknown }>;
    let head: bigint | undefined;
    try {
      await this.ready;
      client = await this.writer.connect();
      const streams = [...new Set(batch.flatMap((j) => j.requests.map((r) => r.stream)))];
      const ids = batch.flatMap((j) => j.requests.flatMap((r) => r.events.map((e) => e.id)));
      // Sent together (pipelined); the server runs them in order: what is already recorded is
      // read once the tail lock is held, so it includes the previous writer's commit.
      const [, locked, { rows }] = await Promise.all([
        client.query('BEGIN'),
        client.query<{ position: string; chain: string | null; now: Date }>(this.sql.lockTail),
        client.query<EventRow>(this.sql.known, [streams, ids]),
      ]);
      const receivedAt = this.known.monotonicMs();
      const tailRow = locked.rows[0]!;
      const revisions = new Map<string, number>();
      const recorded = new Map<string, StoredRow>();
      for (const row of rows) {
        if (row.event_id === null) revisions.set(row.stream, row.revision);
        else recorded.set(row.event_id, toStored(row));
      }
      const serverNow = tailRow.now.toISOString();
      const state = new GroupState(
        { position: BigInt(tailRow.position), chain: tailRow.chain },
        revisions,
        recorded,
        {
          chainAlg: this.options.chain ?? 'sha256',
          maxEventBytes: this.options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
          recordedAt: this.options.now ? () => this.options.now!().toISOString() : () => serverNow,
        },
      );
      outcomes = batch.map((job) => {
        try {
          return { ok: true, results: state.apply(job.requests) };
        } catch (error) {
          return { ok: false, error };
        }
      });
      // PostgreSQL takes at most 65,535 parameters a statement: events beyond the last chunk's
      // go first in statements of their own, all sent with the commit (pipelined).
      const chunks: StoredRow[][] = [];
      for (let i = 0; i < state.rows.length; i += ROWS_PER_STATEMENT)
        chunks.push(state.rows.slice(i, i + ROWS_PER_STATEMENT));
      const last = chunks.pop();
      const writer = client;
      // If a write fails, the server answers the COMMIT with a rollback, and the write's error
      // is what is reported.
      const results = await Promise.all([
        ...chunks.map((rows) =>
          writer.query(this.sql.insert(writeValues(rows.length, 1)), rowParams(rows)),
        ),
        last
          ? client.query(this.sql.write(writeValues(last.length, 5)), [
              state.tailPosition.toString(),
              state.tailChain,
              [...state.written.keys()],
              [...state.written.values()],
              ...rowParams(last),
            ])
          : undefined,
        client.query('COMMIT'),
      ]);
      const committed = results[results.length - 1]!;
      if (committed.command !== 'COMMIT')
        throw new Error(`the append transaction ended with ${committed.command}, not COMMIT`);
      if (last) head = state.tailPosition;
      this.known.learn(
        { position: state.tailPosition, chain: state.tailChain },
        [...revisions, ...state.written],
        tailRow.now,
        receivedAt,
      );
    } catch (error) {
      this.known.forget();
      // The outcome of a COMMIT lost with its connection is unknown: a retry is safe (idempotent).
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release(true);
      for (const job of batch) job.reject(storeError(error));
      return;
    }
    client.release();
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.results);
      else job.reject(outcome.error);
    });
    if (head !== undefined) this.appended.emit('appended');
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.query<EventRow>(
      this.sql.readStream,
      [stream, options.fromRevision ?? 0, options.maxCount ?? null],
      'hub_read_stream',
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.query<EventRow>(
      this.sql.readAll,
      [(options.after ?? 0n).toString(), options.maxCount ?? 1000],
      'hub_read_all',
    );
    return rows.map(toRecorded);
  }

  subscribeToAll(
    handler: (event: RecordedEvent) => Promise<void> | void,
    options: SubscriptionOptions = {},
  ): Subscription {
    this.listen();
    const subscription = startSubscription({
      read: (after, max) =>
        this.readAll({ ...(after === undefined ? {} : { after }), maxCount: max }),
      notifier: this.appended,
      pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      handler,
      options,
    });
    const tracked: Subscription = {
      stop: async () => {
        this.subscriptions.delete(tracked);
        await subscription.stop();
      },
    };
    this.subscriptions.add(tracked);
    return tracked;
  }

  /**
   * One connection LISTENs for the commits of every process; a notification wakes the
   * subscribers at once. If it breaks, it is reopened after a second; polling covers the gap.
   */
  private listen(): void {
    if (this.listener || this.listenerStarting || this.closed) return;
    const client = new pg.Client({ connectionString: this.options.connectionString });
    const retry = () => {
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.closed && this.subscriptions.size > 0)
        setTimeout(() => this.listen(), 1000).unref();
    };
    client.on('error', retry);
    client.on('notification', () => this.appended.emit('appended'));
    this.listenerStarting = client
      .connect()
      .then(() => client.query(`LISTEN ${this.channel}`))
      .then(() => {
        if (this.closed) void client.end();
        else this.listener = client;
      })
      .catch(retry)
      .finally(() => (this.listenerStarting = undefined));
  }

  /**
   * Writes records kept by another store exactly as they were (positions, recorded times, JSON
   * text, links): moving an embedded hub's history here. One transaction, under the tail lock;
   * the records must follow the tail without a gap, continue their streams' revisions and each
   * carry the link its content and its predecessor's link give, so what is copied verifies as
   * it did, and any signed checkpoint over it still matches. Refused (nothing written) otherwise.
   */
  async importStored(records: readonly StoredRecord[]): Promise<void> {
    if (this.closed) throw new InvalidAppendError('the event store is closed');
    if (records.length === 0) return;
    await this.ready.catch((error: unknown) => {
      throw storeError(error);
    });
    let client: pg.PoolClient | undefined;
    try {
      client = await this.writer.connect();
      await client.query('BEGIN');
      const tail = (
        await client.query<{ position: string; chain: string | null }>(this.sql.lockTail)
      ).rows[0]!;
      const streams = [...new Set(records.map((r) => r.stream))];
      const { rows } = await client.query<{ stream: string; revision: number }>(
        `SELECT stream, revision FROM ${this.schema}.event_streams WHERE stream = ANY($1::text[])`,
        [streams],
      );
      const revisions = new Map(rows.map((r) => [r.stream, r.revision]));
      let position = BigInt(tail.position);
      let link = tail.chain;
      for (const record of records) {
        position += 1n;
        if (record.position !== position)
          throw new InvalidAppendError(
            `record ${record.position} does not follow position ${position - 1n}, where the history here ends`,
          );
        const revision = (revisions.get(record.stream) ?? -1) + 1;
        if (record.revision !== revision)
          throw new InvalidAppendError(
            `record ${record.position} has revision ${record.revision} of ${record.stream}, which is at ${revision - 1} here`,
          );
        revisions.set(record.stream, revision);
        const alg = record.chain ? algOfLink(record.chain) : undefined;
        if (
          !record.chain ||
          !alg ||
          record.chain !== `${alg}:${hash(alg, chainInput(link, record))}`
        )
          throw new InvalidAppendError(
            `record ${record.position} does not carry the chain link its content and the previous link give`,
          );
        link = record.chain;
      }
      for (let at = 0; at < records.length; at += ROWS_PER_STATEMENT) {
        const chunk = records.slice(at, at + ROWS_PER_STATEMENT);
        await client.query(
          this.sql.insert(writeValues(chunk.length, 1)),
          chunk.flatMap((r) => [
            r.position.toString(),
            r.id,
            r.stream,
            r.revision,
            r.type,
            r.dataJson,
            r.metadataJson,
            r.recordedAt,
            r.chain,
          ]),
        );
      }
      await client.query(
        `INSERT INTO ${this.schema}.event_streams (stream, revision)
         SELECT * FROM unnest($1::text[], $2::int[])
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision`,
        [[...revisions.keys()], [...revisions.values()]],
      );
      await client.query(`UPDATE ${this.schema}.event_log_tail SET position = $1, chain = $2`, [
        position.toString(),
        link,
      ]);
      await client.query(`SELECT pg_notify('${this.channel}', $1::text)`, [position.toString()]);
      await client.query('COMMIT');
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      throw error instanceof InvalidAppendError ? error : storeError(error);
    } finally {
      client?.release();
      // What this process knew of the tail and the streams is stale now.
      this.known.forget();
    }
  }

  async headPosition(): Promise<GlobalPosition | undefined> {
    const { rows } = await this.query<{ position: string }>(this.sql.head);
    const position = BigInt(rows[0]?.position ?? 0);
    return position === 0n ? undefined : position;
  }

  async countAfter(after: GlobalPosition | undefined, cap: number): Promise<number> {
    const { rows } = await this.query<{ n: string }>(
      this.sql.countAfter,
      [(after ?? 0n).toString(), cap],
      'hub_count_after',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.appended.emit('closed');
    await this.listenerStarting;
    await this.listener?.end().catch(() => undefined);
    await this.writer.end();
    await this.pool.end();
  }
}

/**
 * The port's error for a failure of PostgreSQL itself: no room (disk_full, out of memory for
 * the WAL) becomes EventStoreFullError, a server that cannot be reached EventStoreUnavailableError.
 */
function storeError(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (code === '53100') return new EventStoreFullError({ cause: error });
  if (
    typeof code === 'string' &&
    (/^(08|57P)/.test(code) ||
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'].includes(code))
  )
    return new EventStoreUnavailableError(
      `PostgreSQL event store unavailable: ${(error as Error).message}`,
      { cause: error },
    );
  return error instanceof Error ? error : new Error(String(error));
}

const ROW_PARAMS = 9;
const ROWS_PER_STATEMENT = 5000;
/** Groups of up to this many events are written by a prepared statement (one per size). */
const PREPARED_MAX_ROWS = 256;

/** `($first, …), (…)`: the VALUES placeholders of `rows` events, from parameter `first`. */
function writeValues(rows: number, first: number): string {
  const tuples: string[] = [];
  for (let i = 0; i < rows; i++) {
    const at = first + i * ROW_PARAMS;
    const p = Array.from({ length: ROW_PARAMS }, (_, k) => `$${at + k}`);
    p[0] += '::bigint';
    p[3] += '::int';
    tuples.push(`(${p.join(', ')})`);
  }
  return tuples.join(', ');
}

/** Rows as plain parameters: cheaper to send and parse than arrays of JSON text. */
function rowParams(rows: readonly StoredRow[]): unknown[] {
  return rows.flatMap((e) => [
    e.position.toString(),
    e.eventId,
    e.stream,
    e.revision,
    e.type,
    e.data,
    e.metadata,
    e.recordedAt,
    e.chain,
  ]);
}

function toStored(row: EventRow): StoredRow {
  return {
    position: BigInt(row.position),
    eventId: row.event_id,
    stream: row.stream,
    revision: row.revision,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
    chain: row.chain,
  };
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
