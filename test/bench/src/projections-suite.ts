import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { FORM_TEMPLATES, type CellQuery } from '@hub/domain';
import type { AppendRequest, NewEvent } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  computeForm,
  ProjectionRunner,
  SqliteReadModelStore,
  type ReadModelStore,
} from '@hub/read-models';
import { bench, interleavedMedians, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';

const EVENTS = Number(process.env.BENCH_PROJECTION_EVENTS ?? 1_000_000);
/**
 * Rebuilds (and raw scans) taken in turns, the median reported: three by default. One is
 * enough to see the forms at ten million events, where each rebuild takes minutes.
 */
const REBUILD_ROUNDS = Number(process.env.BENCH_PROJECTION_ROUNDS ?? 3);
const BLOCK = 20;
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2023-07-01T10:00:00+08:00');

/**
 * One block of 20 events of one enterprise in one of 16 districts of a province, spread over
 * 18 months in the order they happen (agencies publish as they work): certificates, listing, self-inspection, an inspection with four findings and its
 * measures, a clue through filing, and a case through judgment. Linkage-heavy on purpose: the
 * document projections are the expensive part.
 */
export function block(b: number, blocks: number): Array<{ stream: string; event: NewEvent }> {
  const unit = String(310101 + (b % 16));
  const occurredAt = new Date(FIRST_DAY + Math.floor((b / blocks) * 540) * DAY_MS).toISOString();
  const creditCode = `91${unit}${String(b).padStart(9, '0')}X`.slice(0, 18);
  const enterprise = { creditCode, name: `企业${b}` };
  const ins = `INS-${b}`;
  const clue = `CL-${b}`;
  const caseId = `K-${b}`;
  const worker = (k: number) => ({
    idNumber: `${unit}1985${String(b * 4 + k).padStart(8, '0')}`,
    name: `工人${k}`,
  });
  const out: Array<{ stream: string; event: NewEvent }> = [];
  const add = (stream: string, type: string, agency: string, data: unknown) => {
    const id = randomUUID();
    out.push({
      stream,
      event: {
        id,
        type,
        data,
        metadata: {
          eventId: id,
          schemaVersion: type === 'FineImposed' ? 2 : 1,
          agency,
          reportingUnit: unit,
          occurredAt,
          correlationId: id,
          causationId: null,
          actor: { officerId: 'bench' },
        },
      },
    });
  };
  for (const k of [0, 1])
    add(`certificate-${b}-${k}`, 'CertificateIssued', 'emergency', {
      certificateType: 'special_operations',
      number: `T${b}${k}`,
      holder: worker(k),
    });
  add(`enterprise-${creditCode}`, 'EnterpriseListedInArea', 'emergency', {
    enterprise,
    listedOn: occurredAt.slice(0, 10),
  });
  add(`enterprise-${creditCode}`, 'SelfInspectionReported', 'emergency', {
    reportId: `SI-${b}`,
    enterprise,
    specialOperationsWorkers: 20,
    certifiedWorkers: 18,
    fakeCertificatesFound: b % 3,
    uncertifiedWorkers: 1,
    reportedForHandling: 1,
  });
  const stream = `inspection-${ins}`;
  add(stream, 'InspectionConducted', 'emergency', {
    inspectionId: ins,
    subjectKind: 'employer',
    subject: enterprise,
    method: 'special',
    inspectedOn: occurredAt.slice(0, 10),
    workersChecked: 12,
  });
  ['forged', 'no_certificate', 'expired', 'employer_failed_to_verify'].forEach((kind, k) =>
    add(stream, 'FindingRecorded', 'emergency', {
      inspectionId: ins,
      findingId: `F${k}`,
      subjectKind: 'employer',
      kind,
      ...(k < 3 ? { worker: worker(k) } : {}),
    }),
  );
  add(stream, 'RectificationOrdered', 'emergency', {
    inspectionId: ins,
    subjectKind: 'employer',
    subject: enterprise,
    findingIds: ['F0'],
    deadline: '2024-12-31',
  });
  add(stream, 'FineImposed', 'emergency', {
    inspectionId: ins,
    decisionNo: `罚${b}`,
    subjectKind: 'employer',
    target: { kind: 'enterprise', enterprise },
    amountFen: 1_000_000 + b,
  });
  add(stream, 'ProblemRectified', 'emergency', {
    inspectionId: ins,
    findingId: 'F3',
    verifiedOn: occurredAt.slice(0, 10),
  });
  add(stream, 'FindingClosed', 'emergency', {
    inspectionId: ins,
    findingId: 'F3',
    closure: 'rectified',
  });
  const clueStream = `clue-${clue}`;
  add(clueStream, 'ClueTransferred', 'emergency', {
    clueId: clue,
    origin: 'enforcement',
    toPoliceUnit: unit,
    suspectedOffence: '买卖国家机关证件罪',
    suspects: 1,
    fakeCertificates: 1,
    relatedInspectionIds: [ins],
  });
  add(clueStream, 'ClueReceiptSigned', 'police', {
    clueId: clue,
    transferringAgency: 'emergency',
    receivedAt: occurredAt,
  });
  add(clueStream, 'CaseFiled', 'police', {
    caseId,
    clueId: clue,
    transferringAgency: 'emergency',
    suspects: 1,
    offence: '买卖国家机关证件罪',
  });
  add(clueStream, 'CaseMaterialsHandedOver', 'emergency', { clueId: clue, caseId, items: 2 });
  const caseStream = `case-${caseId}`;
  add(caseStream, 'CaseSentForProsecution', 'police', { caseId, suspects: 1 });
  add(caseStream, 'ProsecutionFiled', 'procuratorate', {
    caseId,
    defendants: 1,
    charges: '买卖国家机关证件罪',
    courtUnit: '某法院',
  });
  add(caseStream, 'JudgmentDelivered', 'court', {
    caseId,
    courtCaseNo: `C${b}`,
    convictedPersons: 1,
    acquittedPersons: 0,
    deliveredOn: occurredAt.slice(0, 10),
    statute: '刑法第二百八十条',
  });
  return out;
}

export async function fill(store: SqliteEventStore): Promise<void> {
  const blocks = Math.ceil(EVENTS / BLOCK);
  for (let b = 0; b < blocks; b += 50) {
    const requests = new Map<string, NewEvent[]>();
    for (let i = b; i < Math.min(blocks, b + 50); i++)
      for (const { stream, event } of block(i, blocks))
        requests.set(stream, [...(requests.get(stream) ?? []), event]);
    await store.appendMany(
      [...requests].map(([stream, events]): AppendRequest => ({ stream, events })),
    );
  }
}

/**
 * The floor of a rebuild: every row of the same store read straight from its file with
 * better-sqlite3 (iterate, JSON.parse data and metadata), nothing done with them.
 */
/** The store's own paged readAll (RecordedEvent objects), for reference. */
async function readAllScan(store: SqliteEventStore): Promise<number> {
  const started = process.hrtime.bigint();
  let after: bigint | undefined;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 5000 });
    if (page.length === 0) break;
    count += page.length;
    after = page[page.length - 1]!.position;
  }
  return perSecond(count, started);
}

function rawScan(filename: string): number {
  const db = new Database(filename, { readonly: true });
  try {
    const started = process.hrtime.bigint();
    let count = 0;
    let sink = 0;
    for (const row of db
      .prepare<[], { data: string; metadata: string }>(
        'SELECT data, metadata FROM events ORDER BY position',
      )
      .iterate()) {
      const data = JSON.parse(row.data) as unknown;
      const metadata = JSON.parse(row.metadata) as unknown;
      if (data !== null && metadata !== null) sink += 1;
      count += 1;
    }
    if (sink !== count) throw new Error('a row without data');
    return perSecond(count, started);
  } finally {
    db.close();
  }
}

/** Events a rebuild commits at a time while behind (the runner's 5 pages of 10,000). */
const EVENTS_PER_COMMIT = 50_000;

/**
 * The floor of a rebuild's writes: the rows the last rebuild left in its read models, written
 * once into a fresh file of the same schema (tables and indexes made first), WAL and
 * synchronous FULL as the read models are, each table's share in one transaction per
 * EVENTS_PER_COMMIT events, prepared multi-row INSERTs. No projecting and no document written
 * twice: a rebuild that writes durably cannot write less than this. Rows are read before the
 * clock starts.
 */
function writeFloor(readModelsFile: string, into: string, events: number): number {
  const source = new Database(readModelsFile, { readonly: true });
  const schema = source
    .prepare<[], { type: string; name: string; sql: string }>(
      "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC",
    )
    .all();
  const tables = schema
    .filter((o) => o.type === 'table')
    .map((o) => ({
      name: o.name,
      rows: source.prepare(`SELECT * FROM "${o.name}"`).raw(true).all() as unknown[][],
    }));
  source.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(into + suffix, { force: true });
  const db = new Database(into);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    for (const o of schema) db.exec(o.sql);
    const commits = Math.max(1, Math.ceil(events / EVENTS_PER_COMMIT));
    const started = process.hrtime.bigint();
    for (let c = 0; c < commits; c++) {
      db.exec('BEGIN');
      for (const { name, rows } of tables) {
        if (rows.length === 0) continue;
        const columns = rows[0]!.length;
        // At most 500 rows, and within SQLite's 32,766 variables, per statement.
        const perStatement = Math.min(500, Math.floor(32_766 / columns));
        const insert = (count: number) =>
          db.prepare(
            `INSERT INTO "${name}" VALUES ${Array(count)
              .fill(`(${Array(columns).fill('?').join(',')})`)
              .join(',')}`,
          );
        const full = insert(perStatement);
        const from = Math.floor((rows.length * c) / commits);
        const to = Math.floor((rows.length * (c + 1)) / commits);
        for (let at = from; at < to; at += perStatement) {
          const chunk = rows.slice(at, Math.min(to, at + perStatement));
          (chunk.length === perStatement ? full : insert(chunk.length)).run(chunk.flat());
        }
      }
      db.exec('COMMIT');
    }
    return perSecond(events, started);
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(into + suffix, { force: true });
  }
}

/** One rebuild of every projection into fresh read models (committed durably, as the hub does). */
async function rebuild(
  store: SqliteEventStore,
  filename: string,
): Promise<{ rate: number; rssGrowth: number; facts: number }> {
  rmSync(filename, { force: true });
  for (const suffix of ['-wal', '-shm']) rmSync(filename + suffix, { force: true });
  const readModels = new SqliteReadModelStore(filename, { writerThread: true });
  const runner = new ProjectionRunner({ store, readModels });
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const read = await runner.catchUp();
  const rate = perSecond(read, started);
  const rssGrowth = Math.round((process.memoryUsage().rss - rssBefore) / 1048576);
  await readModels.close();
  const db = new Database(filename, { readonly: true });
  const facts = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rm_facts').get()!.n;
  db.close();
  return { rate, rssGrowth, facts };
}

/**
 * Rebuild of every projection over 1M events against a raw scan of the same rows; each form
 * province-wide, computed straight from the read models (no cache is involved).
 */
export async function projectionsSuite(): Promise<void> {
  await withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const filling = process.hrtime.bigint();
    await fill(store);
    bench('projections', 'generated_events', EVENTS, 'events');
    bench('projections', 'generate_and_append', perSecond(EVENTS, filling), 'events/s');

    // Rebuilds and raw scans in turns, median of REBUILD_ROUNDS each (see interleavedMedians).
    const rebuilds: Array<{ rate: number; rssGrowth: number; facts: number }> = [];
    const m = await interleavedMedians(
      {
        raw: () => Promise.resolve(rawScan(join(dir, 'events.db'))),
        readAll: () => readAllScan(store),
        rebuild: async () => {
          const r = await rebuild(store, join(dir, 'hub.db'));
          rebuilds.push(r);
          return r.rate;
        },
      },
      REBUILD_ROUNDS,
    );
    bench('projections', 'rebuild_rounds', REBUILD_ROUNDS, 'runs');
    bench('projections', 'baseline_raw_scan_json_parse', m.raw, 'events/s');
    bench('projections', 'store_read_all', m.readAll, 'events/s');
    bench('projections', 'rebuild_all_projections', m.rebuild, 'events/s');
    bench('projections', 'rebuild_vs_raw_scan', m.rebuild / m.raw, 'ratio');
    // What the writes alone allow: the most rebuild_vs_raw_scan could be on this machine even if
    // projecting cost nothing and reading ran beside the writes. In turns with raw scans of
    // their own, after the rebuilds: the rows held in memory would skew their memory figure.
    const floor = await interleavedMedians(
      {
        raw: () => Promise.resolve(rawScan(join(dir, 'events.db'))),
        writes: () =>
          Promise.resolve(writeFloor(join(dir, 'hub.db'), join(dir, 'floor.db'), EVENTS)),
      },
      REBUILD_ROUNDS,
    );
    bench('projections', 'write_floor_read_model_rows', floor.writes, 'events/s');
    bench('projections', 'write_floor_vs_raw_scan', floor.writes / floor.raw, 'ratio');
    bench('projections', 'statistic_facts', rebuilds[0]!.facts, 'rows');
    bench(
      'projections',
      'rebuild_rss_growth_max',
      Math.max(...rebuilds.map((r) => r.rssGrowth)),
      'MiB',
    );
    // The forms read the read models of the last rebuild.
    const readModels = new SqliteReadModelStore(join(dir, 'hub.db'), { writerThread: true });

    const periods: Record<string, string | undefined> = {
      'shanghai-2024': '2024-08',
      'guangdong-2018': '2024-09',
      'jiangjin-2023': undefined,
    };
    // Each form computed afresh (no cache) as the hub does, from the aggregates, against the
    // same form computed from the facts alone (the read model before the aggregates), in turns.
    const fromFacts = { aggregate: (q: CellQuery) => readModels.aggregateFromFacts(q) };
    for (const template of FORM_TEMPLATES) {
      const period = periods[template.id];
      const request = { template, unit: '310000', ...(period ? { period } : {}) };
      const timed = async (source: Pick<ReadModelStore, 'aggregate'>) => {
        const t = process.hrtime.bigint();
        await computeForm(source, request);
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      const m = await interleavedMedians(
        { aggregates: () => timed(readModels), facts: () => timed(fromFacts) },
        3,
      );
      const [form, facts] = await Promise.all([
        computeForm(readModels, request),
        computeForm(fromFacts, request),
      ]);
      if (JSON.stringify(form) !== JSON.stringify(facts))
        throw new Error(`form ${template.id}: the aggregates and the facts disagree`);
      const cells = form.rows.reduce(
        (n, r) => n + r.cells.filter((c) => c.value !== '0').length,
        0,
      );
      const name = `form_${template.id.replace(/-/g, '_')}`;
      bench('projections', `${name}_province`, m.aggregates, 'ms');
      bench('projections', `${name}_province_from_facts`, m.facts, 'ms');
      bench('projections', `${name}_province_vs_facts`, m.aggregates / m.facts, 'ratio');
      bench('projections', `${name}_nonzero_cells`, cells, 'cells');
    }
    await readModels.close();
    await store.close();
  });
}
