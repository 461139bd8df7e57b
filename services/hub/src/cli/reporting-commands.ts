import { writeFileSync } from 'node:fs';
import {
  divisionName,
  FORM_TEMPLATES,
  isWithinDivision,
  pendingSteps,
  PeriodError,
  reportingPeriod,
  type FormTemplate,
} from '@hub/domain';
import { clueLedger, computeForm, ProjectionRunner } from '@hub/read-models';
import { formGrid, formToCsv, formToXlsx } from '@hub/reporting';
import type { HubConfig } from '../config.js';
import { hubProjections, openReadModels, openStores, openVault } from '../compose.js';
import { loadRules } from '../rules.js';
import { checkFormUnit, checkLedgerUnit, isProvince } from './known-units.js';
import { divisionFlag, flagValue as flag, usage, type Flags, type Out } from './usage.js';
import { cliAudited } from './cli-audit.js';

/** Opens the event store and read models for a command, and closes them after. */
export async function withReadSide<T>(
  config: HubConfig,
  run: (
    runner: ProjectionRunner,
    readModels: ReturnType<typeof openReadModels>,
    head: () => Promise<bigint | undefined>,
  ) => Promise<T>,
): Promise<T> {
  const stores = await openStores(config);
  const readModels = openReadModels(config);
  const vault = openVault(config);
  try {
    const projections = hubProjections(vault);
    return await run(
      new ProjectionRunner({ store: stores.store, readModels, projections }),
      readModels,
      () => stores.store.headPosition(),
    );
  } finally {
    await readModels.close();
    await stores.close();
    vault.close();
  }
}

/** Progress of a rebuild as the share of the store's positions passed (positions grow with the log). */
function progressLine(out: Out, name: string, head: bigint | undefined) {
  const tty = process.stdout.isTTY;
  let lastPercent = -1;
  return (position: bigint, events: number) => {
    const percent = head ? Number((position * 100n) / head) : 100;
    if (percent === lastPercent) return;
    lastPercent = percent;
    const bar = '#'.repeat(Math.floor(percent / 4)).padEnd(25, '.');
    const text = `rebuild ${name} [${bar}] ${percent}% (${events} events)`;
    if (tty) process.stdout.write(`\r${text}`);
    else if (percent % 10 === 0) out(text);
  };
}

/** `hub projections status | rebuild <name>` */
export async function projectionsCommand(config: HubConfig, args: string[], out: Out) {
  const [action, name] = args;
  await withReadSide(config, async (runner, _readModels, head) => {
    if ((action === 'status' || action === undefined) && args.length <= 1) {
      out('projection\tversion\tposition\tlag events\tlag seconds\tneeds rebuild');
      for (const s of await runner.status()) {
        out(
          `${s.projection}\t${s.version}\t${s.position ?? '-'}\t${s.lagCapped ? '≥' : ''}${s.lagEvents}\t${s.lagSeconds.toFixed(1)}\t${s.needsRebuild ? 'yes' : 'no'}`,
        );
      }
      return;
    }
    if (action === 'rebuild') {
      if (!name || !runner.names().includes(name) || args.length > 2)
        throw usage(
          `${name ? `没有读模型 "${name}"；` : ''}用法：hub projections rebuild <${runner.names().join('|')}>`,
          `${name ? `no read model "${name}"; ` : ''}usage: hub projections rebuild <${runner.names().join('|')}>`,
        );
      const started = Date.now();
      const events = await runner.rebuild(name, progressLine(out, name, await head()));
      if (process.stdout.isTTY) process.stdout.write('\n');
      out(
        `rebuilt ${name} from ${events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return;
    }
    throw usage(
      '用法：hub projections status | hub projections rebuild <读模型>',
      'usage: hub projections status | hub projections rebuild <name>',
    );
  });
}

const REPORT_USAGE =
  '<shanghai-2024|guangdong-2018|jiangjin-2023> --unit <行政区划代码 / division code> [--period YYYY-MM] [--as-of 2024-09-01T00:00:00+08:00] [--format csv|xlsx|json] [--out file] [--filled-by name] [--contact phone]';

function formOf(id: string | undefined): FormTemplate {
  const template = FORM_TEMPLATES.find((t) => t.id === id);
  if (template) return template;
  const forms = FORM_TEMPLATES.map((t) => t.id).join(', ');
  throw id
    ? usage(`没有报表 "${id}"（可用：${forms}）`, `no form "${id}" (forms: ${forms})`)
    : usage(`用法：hub report ${REPORT_USAGE}`, `usage: hub report ${REPORT_USAGE}`);
}

/** The period a form needs, checked before anything is opened: the user's terms, not the domain's. */
function periodOf(template: FormTemplate, period: string | undefined): string | undefined {
  if (template.periodRule.kind === 'campaign') {
    if (period)
      throw usage(
        `报表 ${template.id} 统计整个专项行动期间，不用 --period`,
        `form ${template.id} covers the whole campaign; give no --period`,
      );
    return undefined;
  }
  if (!period) throw usage('缺少 --period（报告期，格式 YYYY-MM）', 'missing --period (YYYY-MM)');
  const month = /^(\d{4})-(\d{2})$/.exec(period);
  if (!month || Number(month[2]) < 1 || Number(month[2]) > 12)
    throw usage(
      `--period 应为 YYYY-MM 格式的月份，收到 "${period}"`,
      `--period must be a month as YYYY-MM, got "${period}"`,
    );
  try {
    reportingPeriod(template, period);
  } catch (error) {
    if (!(error instanceof PeriodError)) throw error;
    throw usage(`报告期 ${period} 不适用于报表 ${template.id}`, error.message);
  }
  return period;
}

function asOfOf(asOf: string | undefined): string | undefined {
  if (asOf === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(asOf) ||
    Number.isNaN(Date.parse(asOf))
  )
    throw usage(
      `--as-of 应为带时区的时刻，如 2024-09-01T00:00:00+08:00，收到 "${asOf}"`,
      `--as-of must be an instant with its offset, e.g. 2024-09-01T00:00:00+08:00, got "${asOf}"`,
    );
  return asOf;
}

/** `hub report <form> --unit <code> [--period YYYY-MM] [--as-of instant] [--format csv|xlsx|json] [--out file]` */
export async function reportCommand(config: HubConfig, args: string[], flags: Flags, out: Out) {
  if (args.length > 1)
    throw usage(
      `多余的参数：${args.slice(1).join(' ')}`,
      `unexpected arguments: ${args.slice(1).join(' ')}`,
    );
  const template = formOf(args[0]);
  const unit = divisionFlag(flags, 'unit', isProvince);
  if (!unit)
    throw usage(
      '缺少 --unit（填报单位的行政区划代码）',
      'missing --unit (the division code of the reporting unit)',
    );
  const period = periodOf(template, flag(flags, 'period'));
  const asOf = asOfOf(flag(flags, 'as-of'));
  const format = flag(flags, 'format') ?? 'csv';
  if (!['csv', 'xlsx', 'json'].includes(format))
    throw usage(
      `--format 只能是 csv、xlsx 或 json，收到 "${format}"`,
      `--format must be csv, xlsx or json, got "${format}"`,
    );
  const file = flag(flags, 'out');
  if (format === 'xlsx' && !file)
    throw usage('--format xlsx 需要 --out <文件>', '--format xlsx needs --out <file>');
  const filledBy = flag(flags, 'filled-by');
  const contact = flag(flags, 'contact');
  const subject = {
    form: template.id,
    unit,
    format,
    ...(period ? { period } : {}),
    ...(asOf || file
      ? { args: { ...(asOf ? { asOf } : {}), ...(file ? { out: file } : {}) } }
      : {}),
  };
  await cliAudited(config, 'export.form', { subject }, () =>
    withReadSide(config, async (runner, readModels) => {
      // A report reads up-to-date read models: apply whatever is stored first.
      await runner.catchUp();
      const request = {
        template,
        unit,
        ...(period ? { period } : {}),
        ...(asOf ? { asOf } : {}),
      };
      await checkFormUnit(readModels, request);
      const form = await computeForm(readModels, request, divisionName);
      const grid = formGrid(form, {
        unitName: divisionName(unit),
        ...(filledBy ? { filledBy } : {}),
        ...(contact ? { contact } : {}),
        filledOn: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10),
      });
      const body =
        format === 'xlsx'
          ? await formToXlsx(grid)
          : format === 'csv'
            ? formToCsv(grid)
            : `${JSON.stringify({ ...form, template: { id: form.template.id, titleZh: form.template.titleZh } }, null, 2)}\n`;
      if (file) {
        writeFileSync(file, body);
        out(`wrote ${file}`);
      } else
        out(
          String(body)
            .replace(/^\uFEFF/, '')
            .trimEnd(),
        );
    }),
  );
}

/** `hub ledger [--unit code] [--due]`: the clue-transfer ledger, or only what is due now. */
export async function ledgerCommand(config: HubConfig, args: string[], flags: Flags, out: Out) {
  if (args.length > 0)
    throw usage(`多余的参数：${args.join(' ')}`, `unexpected arguments: ${args.join(' ')}`);
  if (typeof flags.due === 'string') throw usage('--due 不带取值', '--due takes no value');
  const unit = divisionFlag(flags, 'unit', isProvince);
  const rules = loadRules(config.HUB_RULES_FILE);
  const subject = { view: flags.due ? 'due' : 'clues', ...(unit ? { unit } : {}) };
  await cliAudited(config, 'export.ledger', { subject }, (note) =>
    withReadSide(config, async (runner, readModels) => {
      await runner.catchUp();
      const ledger = await clueLedger(readModels, rules.deadlineRules, new Date().toISOString());
      const inUnit = ledger.filter(
        (c) =>
          !unit ||
          (c.reportingUnit && isWithinDivision(c.reportingUnit, unit)) ||
          (c.toPoliceUnit && isWithinDivision(c.toPoliceUnit, unit)),
      );
      if (unit) checkLedgerUnit(unit, inUnit.length > 0);
      note({ subject: { count: inUnit.length } });
      if (flags.due) {
        out('clue\tstep\twaiting on\tdue by\tstatus');
        for (const c of inUnit)
          for (const s of pendingSteps(c))
            out(`${c.clueId}\t${s.labelZh}\t${s.party}\t${s.dueBy ?? '（未设期限）'}\t${s.status}`);
        return;
      }
      out('clue\tfrom\tstage\topen\tsteps late or overdue');
      for (const c of inUnit) {
        const bad = c.steps.filter((s) => s.status === 'late' || s.status === 'overdue').length;
        out(
          `${c.clueId}\t${c.transferringAgency ?? '-'}\t${c.stage}\t${c.open ? 'yes' : 'no'}\t${bad}`,
        );
      }
    }),
  );
}
