import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import express from 'express';
import { DEFAULT_DEADLINE_RULES } from '@hub/domain';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { ScreeningJobs } from '@hub/certificates';
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
import { fill } from './projections-suite.js';
import { bench } from './report.js';
import { join, withTempDir } from './temp.js';

const CLIENTS = 50;
const SECONDS = Number(process.env.BENCH_GRAPHQL_SECONDS ?? 10);

const FORM_QUERY = `{ form(formId: "shanghai-2024", unit: "310000", period: "2024-08") {
  periodLabelZh rows { unit labelZh cells { figureId column value display } } } }`;
const LEDGER_QUERY = `{ clues(first: 20) { edges { cursor node { clueId stage open transferringAgency
  steps { ruleId status dueBy party } } } pageInfo { hasNextPage endCursor } } }`;

/** Runs `call` from CLIENTS concurrent loops for SECONDS in this process (the direct baseline). */
async function load(call: () => Promise<void>) {
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < deadline) {
        const t = process.hrtime.bigint();
        await call();
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

/** The statistics query and a ledger page over 1M events: 50 clients over HTTP against the resolvers called directly. */
export async function graphqlSuite(): Promise<void> {
  await withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    await fill(store);
    const readModels = new SqliteReadModelStore(join(dir, 'hub.db'), { writerThread: true });
    await new ProjectionRunner({ store, readModels, batchSize: 5000 }).catchUp();
    const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
    const jobs = new ScreeningJobs(join(dir, 'hub.db'), join(dir, 'screenings'));
    const users = new UserDirectory(join(dir, 'hub.db'), randomBytes(32));
    const { token } = await users.create({ name: 'bench', role: 'analyst', units: ['310000'] });
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
    const overHttp = async (query: string) =>
      JSON.parse(
        await new Promise<string>((resolve, reject) => {
          const child = execFile(
            process.execPath,
            [worker, url, token, String(CLIENTS), String(SECONDS)],
            (error, stdout) => (error ? reject(new Error(error.message)) : resolve(stdout)),
          );
          child.stdin!.end(query);
        }),
      ) as Awaited<ReturnType<typeof load>>;
    const viewer = await users.verify(token);
    const context = (): GraphqlContext => createContext(viewer, deps);

    // The form computed once without its cache, for the record.
    const cold = process.hrtime.bigint();
    await resolvers.Query.form(
      undefined,
      { formId: 'shanghai-2024', unit: '310000', period: '2024-10' },
      context(),
    );
    bench('graphql', 'form_uncached_single', Number(process.hrtime.bigint() - cold) / 1e6, 'ms');

    report(
      'statistics_form',
      await overHttp(FORM_QUERY),
      await load(async () => {
        await resolvers.Query.form(
          undefined,
          { formId: 'shanghai-2024', unit: '310000', period: '2024-08' },
          context(),
        );
      }),
    );
    report(
      'ledger_page',
      await overHttp(LEDGER_QUERY),
      await load(async () => {
        await resolvers.Query.clues(undefined, { first: 20 }, context());
      }),
    );
    await api.stop();
    await new Promise((r) => server.close(r));

    // The same two queries with the response cache off: what each execution costs under load.
    const uncached = await createGraphqlApi({
      ...deps,
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
    for (const [name, query] of [
      ['statistics_form_uncached', FORM_QUERY],
      ['ledger_page_uncached', LEDGER_QUERY],
    ] as const) {
      const result = await overHttp(query);
      bench('graphql', `${name}_http_p50`, result.p50, 'ms');
      bench('graphql', `${name}_http_p99`, result.p99, 'ms');
      bench('graphql', `${name}_http`, result.rate, 'requests/s');
    }
    await uncached.stop();
    await new Promise((r) => plain.close(r));

    // What auditing costs an uncached ledger page: the same server with and without the audit
    // plugin, in turns (off, on; three times) so that drift of the machine hits both alike.
    const servers = await Promise.all(
      [true, false].map(async (audited) => {
        const api = await createGraphqlApi({
          ...deps,
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
        runs[name].push(await overHttp(LEDGER_QUERY));
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
    for (const s of servers) {
      await s.api.stop();
      await new Promise((r) => s.server.close(r));
    }
    await audit.close();
    await auditLog.close();
    users.close();
    jobs.close();
    await readModels.close();
    await store.close();
  });
}
