import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import express from 'express';
import { DEFAULT_DEADLINE_RULES } from '@hub/domain';
import type { NewEvent } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { SqliteScreeningJobStore } from '@hub/certificates';
import { HubRecorder } from '@hub/ingestion';
import { AuditTrail, SqliteAuditLog, verifyAuditChain } from '@hub/audit';
import {
  createContext,
  createGraphqlApi,
  resolvers,
  UserDirectory,
  type GraphqlContext,
} from '@hub/graphql';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { block, fill } from './projections-suite.js';
import { bench } from './report.js';
import { join, withTempDir } from './temp.js';

const CLIENTS = 50;
const SECONDS = Number(process.env.BENCH_GRAPHQL_SECONDS ?? 10);

const formQuery = (
  unit: string,
  period: string,
) => `{ form(formId: "shanghai-2024", unit: "${unit}", period: "${period}") {
  periodLabelZh rows { unit labelZh cells { figureId column value display } } } }`;
const ledgerQuery = (
  first: number,
) => `{ clues(first: ${first}) { edges { cursor node { clueId stage open transferringAgency
  steps { ruleId status dueBy party } } } pageInfo { hasNextPage endCursor } } }`;
// The Shanghai form is due in months 8, 10 and 12 (two-month windows).
const PERIODS = ['2023-12', '2024-08', '2024-10', '2024-12'];
/** Viewers: a province analyst and three district analysts, each reading within their units. */
const VIEWER_UNITS = [['310000'], ['310101'], ['310105'], ['310110']];

interface Load {
  /** What each request is: whose token, what query, and the same call made directly. */
  requests: Array<{ token: string; query: string; direct: () => Promise<unknown> }>;
}

/**
 * Writes flowing while the load runs: a block of 20 linkage events every 50 ms, projected by
 * a running ProjectionRunner, so the checkpoints (and with them every cache key) move.
 */
function startWrites(store: SqliteEventStore, from: number, blocks: number) {
  let b = from;
  let written = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const requests = new Map<string, NewEvent[]>();
      for (const { stream, event } of block(b++, blocks))
        requests.set(stream, [...(requests.get(stream) ?? []), event]);
      await store.appendMany([...requests].map(([stream, events]) => ({ stream, events })));
      written += 20;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
      return { written, next: b };
    },
  };
}

/** Runs the calls from CLIENTS concurrent loops for SECONDS in this process (the direct baseline). */
async function load(calls: Load['requests']) {
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = client; Date.now() < deadline; n++) {
        const t = process.hrtime.bigint();
        await calls[n % calls.length]!.direct();
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { p50: at(0.5), p99: at(0.99), rate: Math.round(latencies.length / seconds) };
}

function report(
  name: string,
  http: Awaited<ReturnType<typeof load>>,
  direct: Awaited<ReturnType<typeof load>>,
) {
  bench('graphql', `${name}_http_p50`, http.p50, 'ms');
  bench('graphql', `${name}_http_p99`, http.p99, 'ms');
  bench('graphql', `${name}_http`, http.rate, 'requests/s');
  bench('graphql', `${name}_direct_p50`, direct.p50, 'ms');
  bench('graphql', `${name}_direct_p99`, direct.p99, 'ms');
  bench('graphql', `${name}_direct`, direct.rate, 'requests/s');
  bench('graphql', `${name}_http_vs_direct`, http.rate / direct.rate, 'ratio');
}

/**
 * The statistics form and a ledger page over 1M events: 50 clients over HTTP (four viewers,
 * varying units and periods, events being written and projected meanwhile) against the
 * resolvers called directly under the same load; then with every cache off.
 */
export async function graphqlSuite(): Promise<void> {
  await withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    await fill(store);
    const readModels = new SqliteReadModelStore(join(dir, 'hub.db'), { writerThread: true });
    const runner = new ProjectionRunner({ store, readModels, batchSize: 5000 });
    await runner.catchUp();
    runner.start();
    const blocks = Math.ceil(Number(process.env.BENCH_PROJECTION_EVENTS ?? 1_000_000) / 20);
    let nextBlock = blocks;
    let writtenDuringLoad = 0;
    let loadSeconds = 0;
    /** Runs a measurement with writes flowing (see startWrites). */
    const withWrites = async <T>(measure: () => Promise<T>): Promise<T> => {
      const writes = startWrites(store, nextBlock, blocks);
      const started = process.hrtime.bigint();
      try {
        return await measure();
      } finally {
        loadSeconds += Number(process.hrtime.bigint() - started) / 1e9;
        const { written, next } = await writes.stop();
        writtenDuringLoad += written;
        nextBlock = next;
      }
    };
    const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
    const jobs = new SqliteScreeningJobStore(join(dir, 'hub.db'), join(dir, 'screenings'));
    const users = new UserDirectory(join(dir, 'hub.db'), randomBytes(32));
    const viewers = await Promise.all(
      VIEWER_UNITS.map(async (units, i) => {
        const { token } = await users.create({ name: `bench${i}`, role: 'analyst', units });
        return { token, units, viewer: await users.verify(token) };
      }),
    );
    const recorder = new HubRecorder(store, { sealing: vault });
    // Every read is audited, as in the hub: buffered into audit.db beside the read models.
    const auditLog = new SqliteAuditLog(join(dir, 'audit.db'), {
      alg: 'sha256',
      writerThread: true,
    });
    const audit = new AuditTrail(auditLog);
    const deps = {
      audit,
      readModels,
      store,
      recorder,
      vault,
      jobs,
      deadlineRules: DEFAULT_DEADLINE_RULES,
    };
    const api = await createGraphqlApi({
      ...deps,
      users,
      production: true,
      rateLimitPerMinute: 1_000_000,
    });
    const app = express();
    app.use(api.router);
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    let url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
    const worker = fileURLToPath(new URL('./graphql-load-worker.js', import.meta.url));
    // The clients run in a process of their own: the server keeps its event loop to itself.
    const overHttp = (requests: Load['requests']) =>
      withWrites(
        async () =>
          JSON.parse(
            await new Promise<string>((resolve, reject) => {
              const child = execFile(
                process.execPath,
                [worker, url, String(CLIENTS), String(SECONDS)],
                (error, stdout) => (error ? reject(new Error(error.message)) : resolve(stdout)),
              );
              child.stdin!.end(
                JSON.stringify(requests.map(({ token, query }) => ({ token, query }))),
              );
            }),
          ) as Awaited<ReturnType<typeof load>>,
      );
    const direct = (requests: Load['requests']) => withWrites(() => load(requests));
    const loads = (formCache: boolean) => {
      const context = (viewer: (typeof viewers)[number]): GraphqlContext =>
        createContext(viewer.viewer, { ...deps, formCache });
      const forms: Load['requests'] = [];
      const ledger: Load['requests'] = [];
      for (const v of viewers) {
        const units = v.units[0] === '310000' ? ['310000', '310101', '310105'] : v.units;
        for (const unit of units)
          for (const period of PERIODS)
            forms.push({
              token: v.token,
              query: formQuery(unit, period),
              direct: () =>
                resolvers.Query.form(
                  undefined,
                  { formId: 'shanghai-2024', unit, period },
                  context(v),
                ),
            });
        for (const first of [20, 10])
          ledger.push({
            token: v.token,
            query: ledgerQuery(first),
            direct: () => resolvers.Query.clues(undefined, { first }, context(v)),
          });
      }
      return { forms, ledger };
    };
    const cachedLoads = loads(true);
    const uncachedLoads = loads(false);

    // The form computed once without any cache, for the record.
    const cold = process.hrtime.bigint();
    await uncachedLoads.forms[0]!.direct();
    bench('graphql', 'form_uncached_single', Number(process.hrtime.bigint() - cold) / 1e6, 'ms');

    report('statistics_form', await overHttp(cachedLoads.forms), await direct(cachedLoads.forms));
    report('ledger_page', await overHttp(cachedLoads.ledger), await direct(cachedLoads.ledger));
    await api.stop();
    await new Promise((r) => server.close(r));

    // The same loads with every cache off (responses and computed forms; SQLite's own page
    // cache stays): what each execution costs under load.
    const uncached = await createGraphqlApi({
      ...deps,
      formCache: false,
      users,
      production: true,
      rateLimitPerMinute: 1_000_000,
      responseCache: false,
    });
    const plainApp = express();
    plainApp.use(uncached.router);
    const plain = await new Promise<Server>((resolve) => {
      const s = plainApp.listen(0, '127.0.0.1', () => resolve(s));
    });
    const plainAddress = plain.address();
    url = `http://127.0.0.1:${typeof plainAddress === 'object' && plainAddress ? plainAddress.port : 0}/graphql`;
    // The floor: the same server answering `{ __typename }` for the same viewers (sign-in, rate
    // limit, Apollo, HTTP; nothing is read, so nothing is audited): what any query costs at
    // least, so that the ledger's own cost shows beside it.
    const trivial: Load['requests'] = viewers.map((v) => ({
      token: v.token,
      query: '{ __typename }',
      direct: async () => undefined,
    }));
    const rates: Record<string, number> = {};
    for (const [name, requests] of [
      ['statistics_form_uncached', uncachedLoads.forms],
      ['ledger_page_uncached', uncachedLoads.ledger],
      ['trivial_query', trivial],
    ] as const) {
      const result = await overHttp(requests);
      bench('graphql', `${name}_http_p50`, result.p50, 'ms');
      bench('graphql', `${name}_http_p99`, result.p99, 'ms');
      bench('graphql', `${name}_http`, result.rate, 'requests/s');
      rates[name] = result.rate;
    }
    bench(
      'graphql',
      'ledger_page_uncached_vs_trivial_query',
      rates.ledger_page_uncached! / rates.trivial_query!,
      'ratio',
    );
    await uncached.stop();
    await new Promise((r) => plain.close(r));

    // What auditing costs an uncached ledger page: the same server with and without the audit
    // plugin, in turns (off, on; three times) so that drift of the machine hits both alike.
    const servers = await Promise.all(
      [true, false].map(async (audited) => {
        const api = await createGraphqlApi({
          ...deps,
          formCache: false,
          users,
          production: true,
          rateLimitPerMinute: 1_000_000,
          responseCache: false,
          ...(audited ? {} : { unauditedForBenchmark: true as const }),
        });
        const app = express();
        app.use(api.router);
        const server = await new Promise<Server>((resolve) => {
          const s = app.listen(0, '127.0.0.1', () => resolve(s));
        });
        const a = server.address();
        return {
          api,
          server,
          url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/graphql`,
        };
      }),
    );
    const [on, off] = servers as [(typeof servers)[0], (typeof servers)[0]];
    type Run = Awaited<ReturnType<typeof load>>;
    const runs: { on: Run[]; off: Run[] } = { on: [], off: [] };
    const before = (await auditLog.readRows(0, 1e9)).length;
    for (let round = 0; round < 3; round++)
      for (const [name, at] of [
        ['off', off],
        ['on', on],
      ] as const) {
        url = at.url;
        runs[name].push(await overHttp(uncachedLoads.ledger));
      }
    await audit.flush();
    const recorded = (await auditLog.readRows(0, 1e9)).length - before;
    const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
    const figures = (list: Run[]) => ({
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      rate: median(list.map((r) => r.rate)),
    });
    const audited = figures(runs.on);
    const unaudited = figures(runs.off);
    bench('graphql', 'ledger_page_uncached_audit_off_p50', unaudited.p50, 'ms');
    bench('graphql', 'ledger_page_uncached_audit_off_p99', unaudited.p99, 'ms');
    bench('graphql', 'ledger_page_uncached_audit_off', unaudited.rate, 'requests/s');
    bench('graphql', 'ledger_page_uncached_audit_p50', audited.p50, 'ms');
    bench('graphql', 'ledger_page_uncached_audit_p99', audited.p99, 'ms');
    bench('graphql', 'ledger_page_uncached_audit', audited.rate, 'requests/s');
    bench('graphql', 'ledger_page_uncached_audit_vs_off_p50', audited.p50 / unaudited.p50, 'ratio');
    bench('graphql', 'ledger_page_uncached_audit_vs_off_p99', audited.p99 / unaudited.p99, 'ratio');
    bench('graphql', 'ledger_page_uncached_audit_records', recorded, 'records');
    const chain = await verifyAuditChain(auditLog);
    bench('graphql', 'audit_chain_problems', chain.problems.length, 'problems');
    bench(
      'graphql',
      'events_written_during_load',
      Math.round(writtenDuringLoad / loadSeconds),
      'events/s',
    );
    for (const s of servers) {
      await s.api.stop();
      await new Promise((r) => s.server.close(r));
    }
    await audit.close();
    await auditLog.close();
    await users.close();
    await jobs.close();
    await runner.stop();
    await readModels.close();
    await store.close();
  });
}
