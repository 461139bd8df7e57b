/**
 * Screens a roster file against a registry in its own process, so that its peak memory is
 * the screening's alone: `node certificates-screen-worker.js <hub.db> <roster.csv> <results.jsonl> <key>`.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import {
  fileSource,
  RegistryIndex,
  rosterRuns,
  screenRoster,
  ScreeningThreads,
  writeScreenedLines,
} from '@hub/certificates';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import { SqliteReadModelStore } from '@hub/read-models';

const [dbFile, rosterFile, resultsFile, secret] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const key = { id: 'k1', secret: Buffer.from(secret, 'base64') };
const vault = new PersonalDataVault(key);
const readModels = new SqliteReadModelStore(dbFile);
const parallelism = Number(process.env.BENCH_SCREENING_THREADS ?? 2);
// The registry in memory, as the hub keeps it (BENCH_REGISTRY_IN_MEMORY=0: read models only).
// Its change feed is an event store with no certificate events: the registry was built directly.
const store = new SqliteEventStore({ filename: join(dirname(dbFile), 'screen-events.db') });
const index =
  parallelism > 0 && process.env.BENCH_REGISTRY_IN_MEMORY !== '0'
    ? new RegistryIndex({ readModels, store, protector: vault })
    : undefined;
const loading = process.hrtime.bigint();
await index?.load();
const indexLoadSeconds = Number(process.hrtime.bigint() - loading) / 1e9;
const threads =
  parallelism > 0
    ? new ScreeningThreads(
        { readModels: { kind: 'sqlite', filename: dbFile }, keys: { current: key, previous: [] } },
        parallelism,
        index,
      )
    : undefined;
const out = createWriteStream(resultsFile);
const started = process.hrtime.bigint();
const screening = screenRoster(rosterRuns(fileSource(rosterFile), 'csv'), {
  protector: vault,
  lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
  today: '2024-07-01',
  ...(threads ? { threads } : {}),
});
const { rows } = await writeScreenedLines(screening, out);
out.end();
await once(out, 'finish');
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await threads?.close();
await readModels.close();
await store.close();
process.stdout.write(
  `${JSON.stringify({
    rows,
    seconds,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    inMemory: index?.size ?? 0,
    indexLoadSeconds,
  })}\n`,
);
