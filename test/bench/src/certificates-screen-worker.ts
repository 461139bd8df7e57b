/**
 * Screens a roster file against a registry in its own process, so that its peak memory is
 * the screening's alone: `node certificates-screen-worker.js <hub.db> <roster.csv> <results.jsonl> <key>`.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import {
  fileSource,
  readTable,
  ROSTER_COLUMNS,
  ROSTER_REQUIRED,
  screenRoster,
  ScreeningThreads,
} from '@hub/certificates';
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
const threads =
  parallelism > 0
    ? new ScreeningThreads(
        { readModels: { kind: 'sqlite', filename: dbFile }, keys: { current: key, previous: [] } },
        parallelism,
      )
    : undefined;
const out = createWriteStream(resultsFile);
const started = process.hrtime.bigint();
let rows = 0;
const screening = screenRoster(
  readTable(fileSource(rosterFile), 'csv', ROSTER_COLUMNS, ROSTER_REQUIRED),
  {
    protector: vault,
    lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
    today: '2024-07-01',
    ...(threads ? { threads } : {}),
  },
);
for await (const row of screening) {
  rows++;
  if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await threads?.close();
await readModels.close();
process.stdout.write(
  `${JSON.stringify({ rows, seconds, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
