import { createWriteStream, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { once } from 'node:events';
import {
  AGENCIES,
  isAgency,
  CERTIFICATE_TYPES,
  certificateTypeChoicesZh,
  certificateTypeOf,
  type Agency,
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
  TableError,
} from '@hub/certificates';
import { HubRecorder, InflationLimitError } from '@hub/ingestion';
import { recordingClockOf, xlsxLimitsOf, type HubConfig } from '../config.js';
import { openScreeningJobs, openScreeningThreads, openStores, openVault } from '../compose.js';
import { withReadSide } from './reporting-commands.js';
import { cliAudited } from './cli-audit.js';
import { isProvince } from './known-units.js';
import {
  divisionFlag,
  flagValue as text,
  usage,
  UsageError,
  type Flags,
  type Out,
} from './usage.js';

const NAMES_ZH: Record<string, string> = {
  agency: '部门代码',
  file: '文件',
  unit: '行政区划代码',
  purpose: '比对目的',
};

function required(flags: Flags, name: string, usageLine: string): string {
  const value = name === 'unit' ? divisionFlag(flags, name, isProvince) : text(flags, name);
  if (!value)
    throw usage(
      `缺少 --${name}（${NAMES_ZH[name] ?? name}）；${usageLine}`,
      `missing --${name}; ${usageLine}`,
    );
  return value;
}

export function agencyOf(flags: Flags, usageLine: string): Agency {
  const agency = required(flags, 'agency', usageLine);
  if (!isAgency(agency))
    throw usage(
      `没有部门代码 "${agency}"，可用：${AGENCIES.join(', ')}`,
      `no agency "${agency}"; agencies: ${AGENCIES.join(', ')}`,
    );
  return agency;
}

/** The input file must exist and be a file before anything is opened or recorded. */
export function inputFile(flags: Flags, usageLine: string): string {
  const file = required(flags, 'file', usageLine);
  if (!statSync(file).isFile())
    throw usage(`--file ${file} 不是文件`, `--file ${file} is not a file`);
  return file;
}

function typeFlag(flags: Flags): CertificateType | undefined {
  const type = text(flags, 'type');
  if (type === undefined) return undefined;
  const known = certificateTypeOf(type);
  if (!known)
    throw usage(
      `没有证书类型 "${type}"，可用：${certificateTypeChoicesZh()}`,
      `no certificate type "${type}"; types: ${CERTIFICATE_TYPES.join(', ')} (or their Chinese names)`,
    );
  return known;
}

/** Verification results as people read them (BRIEF §3). */
const RESULT_ZH: Record<string, string> = {
  valid: '有效',
  unknown_number: '登记库无此编号（疑似伪造）',
  holder_mismatch: '持证人不符（疑似转借、冒用）',
  data_mismatch: '证面信息不符（疑似涂改）',
  expired: '已过有效期',
  review_overdue: '未按期复审',
  revoked: '已撤销',
  not_valid_for_job: '与所从事作业不符',
  other_department: '套用其他部门证书',
  pending_registry: '登记滞后期内，待复核',
  rejected: '无法比对',
};

const IMPORT_USAGE =
  'hub certificates import --agency <issuer> --file <export.csv|.xlsx> --unit <division code> [--type <certificate type>]';
const SCREEN_USAGE =
  'hub certificates screen --agency <code> --file <roster.csv|.xlsx> --unit <division code> --purpose <text> [--case <id>] [--type <certificate type>] [--out results.jsonl]';

const DELETE_USAGE =
  'hub certificates delete-screenings (--before <YYYY-MM-DD> | --id <SCR-…>[,<SCR-…>])';

/** A file past the inflation limits, not a workbook, or without the columns: said in one line. */
export const refusedFile = (file: string) => (error: unknown) => {
  if (
    error instanceof InflationLimitError ||
    error instanceof XlsxFormatError ||
    error instanceof TableError
  )
    throw new UsageError(`${file}：${error.message}`);
  throw error;
};

/** Progress on one line of a terminal, every 10,000 rows elsewhere. */
export function progress(out: Out, whatZh: string, what: string) {
  return (rows: number) => {
    const line = `${whatZh} ${rows} 行 / ${what}: ${rows} rows`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
    else if (rows % 10_000 < 500) out(line);
  };
}

export const csvCell = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;

export async function certificatesCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
) {
  const [action] = args;
  if (action === 'import' && args.length === 1) {
    const agency = agencyOf(flags, IMPORT_USAGE);
    const file = inputFile(flags, IMPORT_USAGE);
    const unit = required(flags, 'unit', IMPORT_USAGE);
    const type = typeFlag(flags);
    for (const other of ['purpose', 'case', 'out'])
      if (flags[other] !== undefined)
        throw usage(`import 不用 --${other}`, `import takes no --${other}`);
    const stores = await openStores(config);
    const vault = await openVault(config);
    const known = {
      subject: {
        unit,
        args: { agency, file: basename(file), ...(type ? { certificateType: type } : {}) },
      },
    };
    try {
      await cliAudited(config, 'certificate.import', known, async (note) => {
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
            onProgress: progress(out, '已读取', 'read'),
            recordingClock: recordingClockOf(config),
            sealing: vault,
          },
        ).catch(refusedFile(file));
        if (process.stdout.isTTY) process.stdout.write('\n');
        out(
          `共 ${result.rows} 行：新导入 ${result.imported}，此前已导入 ${result.alreadyImported}，有问题 ${result.problems.length} / ${result.rows} rows: ${result.imported} imported, ${result.alreadyImported} already there, ${result.problems.length} problems`,
        );
        // A report from an earlier run of this file would look like this run's: gone first.
        rmSync(`${file}.problems.csv`, { force: true });
        if (result.problems.length > 0) {
          const report = `${file}.problems.csv`;
          // Opened by people in a spreadsheet: the line, the column as their file names it, the fix.
          writeFileSync(
            report,
            `\uFEFF行号 line,列 column,字段 field,问题及修改方法 problem\r\n${result.problems
              .map((p) =>
                [String(p.line), p.header ?? '', p.column ?? '', p.message].map(csvCell).join(','),
              )
              .join('\r\n')}\r\n`,
          );
          for (const p of result.problems.slice(0, 20))
            out(`  第 ${p.line} 行${p.header ? `「${p.header}」列` : ''}：${p.message}`);
          out(
            `全部问题见 ${report}，改正后重新导入即可（已导入的行不会重复） / every problem is listed in ${report}; fix and import again (rows already in are not duplicated)`,
          );
        }
        note({ subject: { count: result.imported } });
      });
    } finally {
      await stores.close();
      await vault.close();
    }
    return;
  }
  if (action === 'screen' && args.length === 1) {
    const agency = agencyOf(flags, SCREEN_USAGE);
    const file = inputFile(flags, SCREEN_USAGE);
    const unit = required(flags, 'unit', SCREEN_USAGE);
    const purpose = required(flags, 'purpose', SCREEN_USAGE);
    const caseId = text(flags, 'case');
    const resultsFile = text(flags, 'out') ?? `${file}.results.jsonl`;
    const type = typeFlag(flags);
    // Opened now: a results path that cannot be written fails before the screening starts.
    const resultsFd = openSync(resultsFile, 'w');
    const vault = await openVault(config);
    const known = {
      purpose,
      ...(caseId ? { caseId } : {}),
      subject: { unit, args: { agency, file: basename(file), out: resultsFile } },
    };
    await cliAudited(config, 'screening.submit', known, (note) =>
      withReadSide(config, async (runner, readModels) => {
        await runner.catchUp();
        const screeningId = `SCR-${deterministicUuid(`${agency}|cli|${file}|${Date.now()}`)}`;
        const results = createWriteStream(resultsFile, { fd: resultsFd });
        const report = progress(out, '已比对', 'screened');
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
          `共 ${summary.rows} 行：无法比对 ${summary.rejectedRows}，发现问题 ${summary.negativeRows}，异常 ${summary.anomalies} / ${summary.rows} rows: ${summary.rejectedRows} rejected, ${summary.negativeRows} negative, ${summary.anomalies} anomalies`,
        );
        for (const [result, n] of Object.entries(summary.byResult))
          out(`  ${RESULT_ZH[result] ?? result}（${result}）：${n}`);
        note({ subject: { screeningId, count: summary.rows } });
        out(
          `逐行结果：${resultsFile}（比对 ${screeningId} 已记录；无法比对的行写明行号、列和原因） / results: ${resultsFile} (screening ${screeningId} recorded)`,
        );
      }),
    );
    return;
  }
  if (action === 'delete-screenings' && args.length === 1) {
    const before = text(flags, 'before');
    const ids = (text(flags, 'id') ?? '').split(',').filter(Boolean);
    if (before !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(before))
      throw usage(
        `--before 应为日期 YYYY-MM-DD；${DELETE_USAGE}`,
        `--before takes a date YYYY-MM-DD; ${DELETE_USAGE}`,
      );
    if (before === undefined && ids.length === 0)
      throw usage(
        `请给出 --before 或 --id；${DELETE_USAGE}`,
        `give --before or --id; ${DELETE_USAGE}`,
      );
    // A day as the task force reads it: its start in Shanghai.
    const start = before ? Date.parse(`${before}T00:00:00+08:00`) : undefined;
    // 2026-02-30 parses as 2 March: a day that does not exist is refused, not rolled over.
    const sameDay =
      start !== undefined &&
      !Number.isNaN(start) &&
      new Date(start + 8 * 3_600_000).toISOString().slice(0, 10) === before;
    if (start !== undefined && !sameDay)
      throw usage(`--before ${before} 不是有效日期`, `--before ${before} is not a date`);
    const finishedBefore = start === undefined ? undefined : new Date(start).toISOString();
    const jobs = openScreeningJobs(config);
    try {
      // On the audit record: which screenings went, on whose command.
      const deleted = await cliAudited(config, 'screening.delete', {}, async (note) => {
        const gone = await jobs.delete({ ids, ...(finishedBefore ? { finishedBefore } : {}) });
        note({
          subject: {
            count: gone.length,
            args: { ...(before ? { before } : {}), ids: gone.join(',') },
          },
        });
        return gone;
      });
      for (const id of deleted) out(id);
      out(
        `已删除 ${deleted.length} 项已结束的比对及其结果（进行中的不删除） / deleted ${deleted.length} finished screening(s) with their results (running ones are kept)`,
      );
    } finally {
      await jobs.close();
    }
    return;
  }
  throw usage(
    `用法：${IMPORT_USAGE}；${SCREEN_USAGE}；${DELETE_USAGE}`,
    `usage: ${IMPORT_USAGE}; ${SCREEN_USAGE}; ${DELETE_USAGE}`,
  );
}
