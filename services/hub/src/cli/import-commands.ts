import { rmSync, writeFileSync } from 'node:fs';
import { fileSource, formatOf, readTable } from '@hub/certificates';
import { recordingClockOf, xlsxLimitsOf, type HubConfig } from '../config.js';
import { openStores, openVault } from '../compose.js';
import { importEventSheet } from '../intake/import-events.js';
import { SHEET_KINDS, SHEETS, sheetKindOf } from '../intake/sheets.js';
import { agencyOf, csvCell, inputFile, progress, refusedFile } from './certificates-commands.js';
import { flagValue, usage, type Flags, type Out } from './usage.js';

const USAGE = `hub import events --agency <code> --file <file.xlsx|csv> --sheet <${SHEET_KINDS.join('|')}>`;

/**
 * `hub import events`: an agency's monthly spreadsheet recorded as events, row by row, through
 * the publishing path; problems written next to the file as <file>.problems.csv.
 */
export async function importCommand(config: HubConfig, args: string[], flags: Flags, out: Out) {
  if (args[0] !== 'events' || args.length !== 1) throw usage(`用法：${USAGE}`, `usage: ${USAGE}`);
  const agency = agencyOf(flags, USAGE);
  const file = inputFile(flags, USAGE);
  const named = flagValue(flags, 'sheet');
  const sheet = named ? sheetKindOf(named) : undefined;
  if (!sheet)
    throw usage(
      `缺少或无法识别 --sheet，可用：${SHEET_KINDS.map((k) => `${k}（${SHEETS[k].titleZh}）`).join('、')}`,
      `missing or unknown --sheet; sheets: ${SHEET_KINDS.join(', ')}`,
    );
  const template = SHEETS[sheet];
  const stores = await openStores(config);
  const vault = await openVault(config);
  try {
    const result = await importEventSheet(
      stores.store,
      readTable(
        fileSource(file),
        formatOf(file),
        template.columns,
        template.required,
        xlsxLimitsOf(config),
      ),
      {
        agency,
        sheet,
        sealing: vault,
        recordingClock: recordingClockOf(config),
        onProgress: progress(out, '已读取', 'read'),
      },
    ).catch(refusedFile(file));
    if (process.stdout.isTTY) process.stdout.write('\n');
    out(
      `「${template.titleZh}」共 ${result.rows} 行：新记录事件 ${result.recorded}，此前已记录 ${result.alreadyRecorded}，有问题 ${result.problems.length} 行次 / ${result.rows} rows: ${result.recorded} events recorded, ${result.alreadyRecorded} already there, ${result.problems.length} problems`,
    );
    const report = `${file}.problems.csv`;
    // A report from an earlier run of this file would look like this run's: gone first.
    rmSync(report, { force: true });
    if (result.problems.length === 0) return;
    // Opened by people in a spreadsheet: the row, the column as their file names it, the reason.
    writeFileSync(
      report,
      `\uFEFF行号 row,列 column,字段 field,问题及修改方法 problem\r\n${result.problems
        .map((p) =>
          [String(p.line), p.header ?? '', p.column ?? '', p.message].map(csvCell).join(','),
        )
        .join('\r\n')}\r\n`,
    );
    for (const p of result.problems.slice(0, 20))
      out(`  第 ${p.line} 行${p.header ? `「${p.header}」列` : ''}：${p.message}`);
    out(
      `全部问题见 ${report}；其余各行已记录，改正后重新上传整个文件即可（已记录的行不会重复） / every problem is in ${report}; the other rows are recorded; fix and upload the whole file again (nothing is recorded twice)`,
    );
  } finally {
    await stores.close();
    await vault.close();
  }
}
