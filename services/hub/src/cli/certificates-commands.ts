import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import {
  isAgency,
  CERTIFICATE_TYPES,
  dayString,
  shanghaiDay,
  type CertificateType,
} from '@hub/domain';
import {
  deterministicUuid,
  EXPORT_COLUMNS,
  EXPORT_REQUIRED,
  fileSource,
  formatOf,
  importIssuerExport,
  readTable,
  rosterRuns,
  writeScreenedLines,
  XlsxFormatError,
  type ScreeningSummary,
  screenRoster,
} from '@hub/certificates';
import { HubRecorder, InflationLimitError } from '@hub/ingestion';
import { recordingClockOf, xlsxLimitsOf, type HubConfig } from '../config.js';
import { openScreeningThreads, openStores, openVault } from '../compose.js';
import { withReadSide } from './reporting-commands.js';
import { UsageError, type Out } from './usage.js';

type Flags = Record<string, string | true>;
const text = (flags: Flags, name: string) =>
  typeof flags[name] === 'string' ? flags[name] : undefined;

function required(flags: Flags, name: string, usage: string): string {
  const value = text(flags, name);
  if (!value) throw new UsageError(`--${name} is required\n${usage}`);
  return value;
}

function typeFlag(flags: Flags): CertificateType | undefined {
  const type = text(flags, 'type');
  if (type && !(CERTIFICATE_TYPES as readonly string[]).includes(type))
    throw new UsageError(`--type must be one of ${CERTIFICATE_TYPES.join(', ')}`);
  return type as CertificateType | undefined;
}

const IMPORT_USAGE =
  'usage: hub certificates import --agency <issuer> --file <export.csv|.xlsx> --unit <division code> [--type <certificate type>]';
const SCREEN_USAGE =
  'usage: hub certificates screen --agency <code> --file <roster.csv|.xlsx> --unit <division code> --purpose <text> [--case <id>] [--type <certificate type>] [--out results.jsonl]';

/** A file past the inflation limits or not a workbook: the user's file, said in one line. */
const refusedFile = (file: string) => (error: unknown) => {
  if (error instanceof InflationLimitError || error instanceof XlsxFormatError)
    throw new UsageError(`${file}: ${error.message}`);
  throw error;
};

/** Progress on one line of a terminal, every 10,000 rows elsewhere. */
function progress(out: Out, what: string) {
  return (rows: number) => {
    if (process.stdout.isTTY) process.stdout.write(`\r${what}: ${rows} rows`);
    else if (rows % 10_000 < 500) out(`${what}: ${rows} rows`);
  };
}

export async function certificatesCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
) {
  const [action] = args;
  const agency = text(flags, 'agency');
  if (action === 'import') {
    if (!isAgency(agency)) throw new UsageError(IMPORT_USAGE);
    const file = required(flags, 'file', IMPORT_USAGE);
    const unit = required(flags, 'unit', IMPORT_USAGE);
    const stores = await openStores(config);
    const vault = openVault(config);
    try {
      const type = typeFlag(flags);
      const result = await importIssuerExport(
        stores.store,
        readTable(
          fileSource(file),
          formatOf(file),
          EXPORT_COLUMNS,
          EXPORT_REQUIRED,
          xlsxLimitsOf(config),
        ),
        {
          agency,
          ...(type ? { certificateType: type } : {}),
          reportingUnit: unit,
          officerId: 'hub-import',
          onProgress: progress(out, 'imported'),
          recordingClock: recordingClockOf(config),
          sealing: vault,
        },
      ).catch(refusedFile(file));
      if (process.stdout.isTTY) process.stdout.write('\n');
      out(
        `${result.rows} rows: ${result.imported} imported, ${result.alreadyImported} already there, ${result.problems.length} problems`,
      );
      if (result.problems.length > 0) {
        const report = `${file}.problems.csv`;
        writeFileSync(
          report,
          `\uFEFFline,column,problem\r\n${result.problems.map((p) => `${p.line},${p.column ?? ''},"${p.message.replace(/"/g, '""')}"`).join('\r\n')}\r\n`,
        );
        for (const p of result.problems.slice(0, 20))
          out(`  line ${p.line}${p.column ? ` (${p.column})` : ''}: ${p.message}`);
        out(`every problem is listed in ${report}`);
      }
    } finally {
      await stores.close();
      vault.close();
    }
    return;
  }
  if (action === 'screen') {
    if (!isAgency(agency)) throw new UsageError(SCREEN_USAGE);
    const file = required(flags, 'file', SCREEN_USAGE);
    const unit = required(flags, 'unit', SCREEN_USAGE);
    const purpose = required(flags, 'purpose', SCREEN_USAGE);
    const caseId = text(flags, 'case');
    const resultsFile = text(flags, 'out') ?? `${file}.results.jsonl`;
    const type = typeFlag(flags);
    const vault = openVault(config);
    await withReadSide(config, async (runner, readModels) => {
      await runner.catchUp();
      const screeningId = `SCR-${deterministicUuid(`${agency}|cli|${file}|${Date.now()}`)}`;
      const results = createWriteStream(resultsFile);
      const report = progress(out, 'screened');
      const threads = openScreeningThreads(config, vault);
      const runs = rosterRuns(fileSource(file), formatOf(file), undefined, xlsxLimitsOf(config));
      const screening = screenRoster(runs, {
        protector: vault,
        lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
        today: dayString(shanghaiDay(new Date().toISOString())),
        ...(type ? { certificateType: type } : {}),
        ...(threads ? { threads } : {}),
      });
      let summary: ScreeningSummary;
      try {
        summary = await writeScreenedLines(screening, results, report).catch(refusedFile(file));
      } finally {
        await threads?.close();
      }
      results.end();
      await once(results, 'finish');
      if (process.stdout.isTTY) process.stdout.write('\n');
      const stores = await openStores(config);
      try {
        await new HubRecorder(stores.store, { sealing: vault }).record(agency, [
          {
            id: deterministicUuid(`${agency}|screened|${screeningId}`),
            type: 'RosterScreened',
            schemaVersion: 1,
            reportingUnit: unit,
            occurredAt: new Date().toISOString(),
            actor: { officerId: 'hub-cli' },
            data: {
              screeningId,
              purpose,
              ...(caseId ? { caseId } : {}),
              rows: summary.rows,
              rejectedRows: summary.rejectedRows,
              negativeRows: summary.negativeRows,
              anomalies: summary.anomalies,
            },
          },
        ]);
      } finally {
        await stores.close();
      }
      out(
        `${summary.rows} rows: ${summary.rejectedRows} rejected, ${summary.negativeRows} negative, ${summary.anomalies} anomalies`,
      );
      for (const [result, n] of Object.entries(summary.byResult)) out(`  ${result}: ${n}`);
      out(`results: ${resultsFile} (screening ${screeningId} recorded)`);
    });
    return;
  }
  throw new UsageError(`${IMPORT_USAGE}\n${SCREEN_USAGE}`);
}
