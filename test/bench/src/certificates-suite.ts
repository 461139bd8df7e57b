import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  certificateRegistryProjection,
  registryKey,
  type RecordedHubEvent,
  type RegistryCertificate,
} from '@hub/domain';
import {
  fileSource,
  formatOf,
  importIssuerExport,
  readTable,
  EXPORT_COLUMNS,
  EXPORT_REQUIRED,
  ROSTER_COLUMNS,
  ROSTER_REQUIRED,
} from '@hub/certificates';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault, SqliteSubjectKeyStore } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import {
  benchCertificateNumber,
  benchIdNumber,
  writeBenchRoster,
} from './certificates-workload.js';
import { bench, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';

const REGISTRY = Number(process.env.BENCH_REGISTRY_SIZE ?? 10_000_000);
const ROSTER = Number(process.env.BENCH_ROSTER_ROWS ?? 1_000_000);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);

function issuedEvent(i: number): RecordedHubEvent {
  return {
    type: 'CertificateIssued',
    data: {
      certificateType: 'construction_special_operations',
      number: benchCertificateNumber(i),
      holder: { idNumber: benchIdNumber(i), name: `工人${i % 1000}` },
      operationCategory: '建筑电工',
      operationItem: '建筑电工',
      issuedOn: '2022-03-01',
      validUntil: i % 50 === 0 ? '2024-01-01' : '2028-02-28',
      issuingAuthority: '上海市住房和城乡建设管理委员会',
    },
    metadata: { eventId: `e${i}`, agency: 'construction' },
  } as unknown as RecordedHubEvent;
}

/** The registry's documents, made by the registry projection itself, written in large batches. */
async function buildRegistry(readModels: SqliteReadModelStore, vault: PersonalDataVault) {
  const projection = certificateRegistryProjection(vault);
  let after: bigint | undefined;
  for (let start = 0; start < REGISTRY; start += 50_000) {
    const documents: Array<{ key: string; value: RegistryCertificate }> = [];
    for (let i = start; i < Math.min(REGISTRY, start + 50_000); i++) {
      const event = issuedEvent(i);
      documents.push({
        key: projection.keysOf(event)[0]!,
        value: projection.evolve(undefined, event, ''),
      });
    }
    const position = BigInt(Math.min(REGISTRY, start + 50_000));
    await readModels.commit([
      { projection: 'certificate-registry', version: 1, after, position, documents, facts: [] },
    ]);
    after = position;
  }
}

/** Import of an issuer's CSV export through events and the registry projection. */
async function importRate(dir: string, vault: PersonalDataVault): Promise<number> {
  const file = join(dir, 'export.csv');
  const lines = ['证书编号,身份证号,姓名,作业类别,操作项目,发证日期,有效期至,发证机关'];
  for (let i = 0; i < IMPORT_ROWS; i++)
    lines.push(
      `${benchCertificateNumber(i)},${benchIdNumber(i)},工人${i % 1000},建筑电工,建筑电工,2022-03-01,2028-02-28,上海市住房和城乡建设管理委员会`,
    );
  writeFileSync(file, `${lines.join('\n')}\n`);
  const store = new SqliteEventStore({ filename: join(dir, 'import-events.db') });
  const readModels = new SqliteReadModelStore(join(dir, 'import-hub.db'));
  const started = process.hrtime.bigint();
  const result = await importIssuerExport(
    store,
    readTable(fileSource(file), formatOf(file), EXPORT_COLUMNS, EXPORT_REQUIRED),
    {
      agency: 'construction',
      certificateType: 'construction_special_operations',
      reportingUnit: '310000',
      officerId: 'bench',
      sealing: vault,
    },
  );
  await new ProjectionRunner({
    store,
    readModels,
    projections: [certificateRegistryProjection(vault)],
    batchSize: 5000,
  }).catchUp();
  const rate = perSecond(result.imported, started);
  if (result.problems.length > 0)
    throw new Error(`import problems: ${JSON.stringify(result.problems.slice(0, 3))}`);
  await readModels.close();
  await store.close();
  return rate;
}

/**
 * For reference only: the same roster read and keyed the same way, looked up in a plain Map.
 * It skips what screening does per row (check digits, the holder's match key, the finding,
 * the result line), so no ratio is drawn against it.
 */
async function mapBaseline(rosterFile: string, vault: PersonalDataVault): Promise<number> {
  const map = new Map<string, number>();
  for (let i = 0; i < REGISTRY; i++)
    map.set(registryKey(vault, 'construction_special_operations', benchCertificateNumber(i)), i);
  const started = process.hrtime.bigint();
  let rows = 0;
  let hits = 0;
  for await (const row of readTable(
    fileSource(rosterFile),
    'csv',
    ROSTER_COLUMNS,
    ROSTER_REQUIRED,
  )) {
    rows++;
    if (map.has(registryKey(vault, row.cells.certificateType!, row.cells.number!))) hits++;
  }
  if (hits === 0) throw new Error('baseline found nothing');
  return perSecond(rows, started);
}

export async function certificatesSuite(): Promise<void> {
  await withTempDir(async (dir) => {
    const secret = randomBytes(32);
    const key = { id: 'k1', secret };
    // Subject keys as the hub keeps them: in a vault.db of their own, made durable per batch.
    const vault = new PersonalDataVault(key, [], {
      subjectKeys: new SqliteSubjectKeyStore(
        join(dir, 'vault.db'),
        { current: key, previous: [] },
        'aes-256-gcm',
      ),
    });
    bench('certificates', 'import_issuer_export', await importRate(dir, vault), 'certificates/s');

    const readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
    const building = process.hrtime.bigint();
    await buildRegistry(readModels, vault);
    await readModels.close();
    bench('certificates', 'registry_size', REGISTRY, 'certificates');
    bench('certificates', 'registry_build', perSecond(REGISTRY, building), 'certificates/s');

    const roster = join(dir, 'roster.csv');
    await writeBenchRoster(roster, ROSTER, REGISTRY);
    const worker = fileURLToPath(new URL('./certificates-screen-worker.js', import.meta.url));
    const screened = JSON.parse(
      execFileSync(
        process.execPath,
        [
          worker,
          join(dir, 'hub.db'),
          roster,
          join(dir, 'results.jsonl'),
          secret.toString('base64'),
        ],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      ),
    ) as {
      rows: number;
      seconds: number;
      maxRssMiB: number;
      inMemory: number;
      indexLoadSeconds: number;
    };
    if (screened.inMemory > 0) {
      bench('certificates', 'registry_in_memory', screened.inMemory, 'certificates');
      bench(
        'certificates',
        'registry_memory_load',
        Math.round(screened.inMemory / screened.indexLoadSeconds),
        'certificates/s',
      );
    }
    const rate = Math.round(screened.rows / screened.seconds);
    bench('certificates', 'screen_roster_rows', screened.rows, 'rows');
    // Rows from the first read to the last result written, the registry already in memory.
    bench('certificates', 'screen_roster_excluding_index_load', rate, 'rows/s');
    bench(
      'certificates',
      'screen_roster_including_index_load',
      Math.round(screened.rows / (screened.seconds + screened.indexLoadSeconds)),
      'rows/s',
    );
    bench('certificates', 'screen_roster_peak_rss', screened.maxRssMiB, 'MiB');
    bench(
      'certificates',
      'reference_map_lookup_only_not_same_work',
      await mapBaseline(roster, vault),
      'rows/s',
    );
  });
}
