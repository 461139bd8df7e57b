import { writeFileSync } from 'node:fs';
import {
  dayString,
  divisionName,
  formatFen,
  FORM_TEMPLATES,
  isWithinDivision,
  pendingSteps,
  PeriodError,
  reportingPeriod,
  shanghaiDateTime,
  shanghaiDay,
  type BimonthlyReading,
  type FormTemplate,
  type PeriodSelection,
} from '@hub/domain';
import {
  assertKnownUnit,
  clueLedger,
  computeForm,
  penaltyInsteadOfProsecutionFlags,
  procuratorWorklist,
  ProjectionRunner,
  UnknownUnitError,
  type ReadModelStore,
} from '@hub/read-models';
import { formGrid, formJson, formToCsv, formToXlsx } from '@hub/reporting';
import type { HubConfig } from '../config.js';
import { hubProjections, openReadModels, openStores, openVault } from '../compose.js';
import { loadRules } from '../rules.js';
import { isProvince } from './known-units.js';
import {
  divisionFlag,
  flagValue as flag,
  usage,
  UsageError,
  type Flags,
  type Out,
} from './usage.js';
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
  const vault = await openVault(config);
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
    await vault.close();
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
    const text = `重建 rebuild ${name} [${bar}] ${percent}% (${events} 个事件 events)`;
    if (tty) process.stdout.write(`\r${text}`);
    else if (percent % 10 === 0) out(text);
  };
}

/** `hub projections status | rebuild <name>` */
export async function projectionsCommand(config: HubConfig, args: string[], out: Out) {
  const [action, name] = args;
  await withReadSide(config, async (runner, _readModels, head) => {
    if ((action === 'status' || action === undefined) && args.length <= 1) {
      out(
        '读模型 projection\t版本 version\t位置 position\t滞后事件 lag events\t滞后秒 lag seconds\t需重建 needs rebuild',
      );
      for (const s of await runner.status()) {
        out(
          `${s.projection}\t${s.version}\t${s.position ?? '-'}\t${s.lagCapped ? '≥' : ''}${s.lagEvents}\t${s.lagSeconds.toFixed(1)}\t${s.needsRebuild ? '是 yes' : '否 no'}`,
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
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      out(
        `已重建 ${name}：${events} 个事件，用时 ${seconds} 秒 / rebuilt ${name} from ${events} events in ${seconds} s`,
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
  '<shanghai-2024|guangdong-2018|jiangjin-2023> --unit <行政区划代码 / division code> [--period YYYY-MM | --from YYYY-MM-DD --to YYYY-MM-DD] [--as-of 2024-09-01T00:00:00+08:00] [--format csv|xlsx|json] [--out file] [--filled-by name] [--contact phone]';

function formOf(id: string | undefined): FormTemplate {
  const template = FORM_TEMPLATES.find((t) => t.id === id);
  if (template) return template;
  const forms = FORM_TEMPLATES.map((t) => t.id).join(', ');
  throw id
    ? usage(`没有报表 "${id}"（可用：${forms}）`, `no form "${id}" (forms: ${forms})`)
    : usage(`用法：hub report ${REPORT_USAGE}`, `usage: hub report ${REPORT_USAGE}`);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The period a form needs, checked before anything is opened: the user's terms, not the
 * domain's. A named period (`--period`), or any range of days (`--from`, `--to`).
 */
function periodOf(
  template: FormTemplate,
  flags: Flags,
  bimonthlyReading: BimonthlyReading,
): PeriodSelection {
  const period = flag(flags, 'period');
  const from = flag(flags, 'from');
  const to = flag(flags, 'to');
  if (from !== undefined || to !== undefined) {
    if (period !== undefined)
      throw usage(
        '--period 与 --from/--to 只能用一种',
        'give either --period or --from and --to, not both',
      );
    if (from === undefined || to === undefined)
      throw usage('--from 与 --to 须同时给出', '--from and --to go together');
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const)
      if (!DAY.test(value))
        throw usage(
          `--${name} 应为 YYYY-MM-DD 格式的日期，收到 "${value}"`,
          `--${name} must be a date YYYY-MM-DD, got "${value}"`,
        );
    return checked(template, { from, to }, bimonthlyReading);
  }
  if (template.periodRule.kind === 'campaign') {
    if (period)
      throw usage(
        `报表 ${template.id} 统计整个专项行动期间，不用 --period（任意期间用 --from/--to）`,
        `form ${template.id} covers the whole campaign; give no --period (or --from and --to)`,
      );
    return {};
  }
  if (!period)
    throw usage(
      '缺少 --period（报告期，格式 YYYY-MM；或用 --from/--to 给出任意起止日期）',
      'missing --period (YYYY-MM; or --from and --to for any range of days)',
    );
  const month = /^(\d{4})-(\d{2})$/.exec(period);
  if (!month || Number(month[2]) < 1 || Number(month[2]) > 12)
    throw usage(
      `--period 应为 YYYY-MM 格式的月份，收到 "${period}"`,
      `--period must be a month as YYYY-MM, got "${period}"`,
    );
  return checked(template, { period }, bimonthlyReading);
}

function checked(
  template: FormTemplate,
  selection: PeriodSelection,
  bimonthlyReading: BimonthlyReading,
): PeriodSelection {
  try {
    reportingPeriod(template, selection, { bimonthlyReading });
  } catch (error) {
    if (!(error instanceof PeriodError)) throw error;
    // The domain's message is already Chinese first.
    throw new UsageError(error.message);
  }
  return selection;
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

/** A unit flag checked against the division table and the data: the one check (known-units). */
async function knownUnit(readModels: ReadModelStore, unit: string): Promise<void> {
  try {
    await assertKnownUnit(readModels, unit);
  } catch (error) {
    if (error instanceof UnknownUnitError) throw new UsageError(error.message);
    throw error;
  }
}

/** `hub report <form> --unit <code> [--period YYYY-MM | --from --to] [--as-of instant] [--format csv|xlsx|json] [--out file]` */
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
  const bimonthlyReading = config.HUB_SHANGHAI_BIMONTHLY;
  const selection = periodOf(template, flags, bimonthlyReading);
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
    ...(selection.period ? { period: selection.period } : {}),
    ...(selection.from || asOf || file
      ? {
          args: {
            ...(selection.from ? { from: selection.from } : {}),
            ...(selection.to ? { to: selection.to } : {}),
            ...(asOf ? { asOf } : {}),
            ...(file ? { out: file } : {}),
          },
        }
      : {}),
  };
  await cliAudited(config, 'export.form', { subject }, () =>
    withReadSide(config, async (runner, readModels) => {
      // A report reads up-to-date read models: apply whatever is stored first.
      await runner.catchUp();
      await knownUnit(readModels, unit);
      const request = {
        template,
        unit,
        ...selection,
        ...(asOf ? { asOf } : {}),
        bimonthlyReading,
      };
      const form = await computeForm(readModels, request, divisionName);
      const grid = formGrid(form, {
        unitName: divisionName(unit),
        ...(filledBy ? { filledBy } : {}),
        ...(contact ? { contact } : {}),
        filledOn: dayString(shanghaiDay(new Date().toISOString())),
      });
      const body =
        format === 'xlsx'
          ? await formToXlsx(grid)
          : format === 'csv'
            ? formToCsv(grid)
            : `${JSON.stringify(formJson(form), null, 2)}\n`;
      if (file) {
        writeFileSync(file, body);
        out(`已写入 ${file} / wrote ${file}`);
      } else
        out(
          String(body)
            .replace(/^\uFEFF/, '')
            .trimEnd(),
        );
    }),
  );
}

/** An instant as people here read it. */
const shown = (instant: string | undefined) => (instant ? shanghaiDateTime(instant) : '');

const PARTY_ZH: Record<string, string> = {
  emergency: '应急管理局',
  construction: '建设管理部门',
  market: '市场监管局',
  cyberspace: '网信办',
  police: '公安机关',
  procuratorate: '检察院',
  court: '法院',
  unknown: '未知',
};

const STAGE_ZH: Record<string, string> = {
  approved: '已批准移送',
  transferred: '已移送',
  received: '公安已接收',
  forwarded: '已转交有管辖权的公安机关',
  filed: '已立案',
  declined: '不予立案',
  reconsideration: '复议',
  filing_supervision: '立案监督',
  penalty_decided: '已作出行政处罚',
  unknown: '未知',
};

const STATUS_ZH: Record<string, string> = {
  met: '按期完成',
  late: '逾期完成',
  done: '已完成',
  due: '待办（未到期）',
  overdue: '已逾期',
  open: '可行使（未到期）',
  expired: '已过期限',
  pending_no_deadline: '待办（未设期限）',
};

/**
 * `hub ledger [--unit code] [--due] [--penalty] [--as-of instant]`: the clue-transfer ledger,
 * what is due (judged now, or at --as-of with only what was recorded by then), or the
 * inspections flagged 以罚代刑. Times are Asia/Shanghai.
 */
export async function ledgerCommand(config: HubConfig, args: string[], flags: Flags, out: Out) {
  if (args.length > 0)
    throw usage(`多余的参数：${args.join(' ')}`, `unexpected arguments: ${args.join(' ')}`);
  for (const name of ['due', 'penalty'])
    if (typeof flags[name] === 'string')
      throw usage(`--${name} 不带取值`, `--${name} takes no value`);
  if (flags.due && flags.penalty)
    throw usage('--due 与 --penalty 只能用一种', 'give either --due or --penalty');
  const unit = divisionFlag(flags, 'unit', isProvince);
  const asOf = asOfOf(flag(flags, 'as-of'));
  const rules = loadRules(config.HUB_RULES_FILE);
  const view = flags.penalty ? 'penalty' : flags.due ? 'due' : 'clues';
  const subject = {
    view,
    ...(unit ? { unit } : {}),
    ...(asOf ? { args: { asOf } } : {}),
  };
  await cliAudited(config, 'export.ledger', { subject }, (note) =>
    withReadSide(config, async (runner, readModels) => {
      await runner.catchUp();
      if (unit) await knownUnit(readModels, unit);
      if (flags.penalty) {
        out('检查编号 inspection\t单位 unit\t假证 fakes\t罚款(元) fined\t移送 transferred');
        const flagged = (
          await penaltyInsteadOfProsecutionFlags(readModels, rules.transferCriteria)
        ).filter((f) => !unit || (f.reportingUnit && isWithinDivision(f.reportingUnit, unit)));
        note({ subject: { count: flagged.length } });
        for (const f of flagged)
          out(
            `${f.inspectionId}\t${f.reportingUnit ? divisionName(f.reportingUnit) : '-'}\t${f.fakeFindingIds.length}\t${formatFen(BigInt(f.finedFen), '元', 0)}\t${f.transferred ? '是' : '否'}`,
          );
        return;
      }
      const ledger = await clueLedger(readModels, rules.deadlineRules, new Date().toISOString(), {
        ...(unit ? { unit } : {}),
        ...(asOf ? { asOf } : {}),
      });
      note({ subject: { count: ledger.length } });
      if (asOf)
        out(`# 截至 ${shown(asOf)}（北京时间）已记录的事件，期限按该时刻判断 / as of ${asOf}`);
      if (flags.due) {
        out('线索 clue\t环节 step\t等待 waiting on\t期限 due by\t状态 status');
        for (const c of ledger)
          for (const s of pendingSteps(c))
            out(
              `${c.clueId}\t${s.labelZh}\t${PARTY_ZH[s.party] ?? s.party}\t${s.dueBy ? shown(s.dueBy) : '（未设期限）'}\t${STATUS_ZH[s.status] ?? s.status} ${s.status}`,
            );
        return;
      }
      out('线索 clue\t移送部门 from\t阶段 stage\t未办结 open\t逾期环节 late or overdue');
      for (const c of ledger) {
        const bad = c.steps.filter((s) => s.status === 'late' || s.status === 'overdue').length;
        out(
          `${c.clueId}\t${PARTY_ZH[c.transferringAgency ?? 'unknown'] ?? c.transferringAgency}\t${STAGE_ZH[c.stage] ?? c.stage} ${c.stage}\t${c.open ? '是' : '否'}\t${bad}`,
        );
      }
    }),
  );
}

const REASON_ZH: Record<string, string> = {
  early_intervention: '已提前介入，待作出起诉决定',
  awaiting_prosecution_decision: '已移送审查起诉，待决定',
  awaiting_penalty_after_non_prosecution: '不起诉后待行政处罚',
  awaiting_reply_to_opinion: '检察意见待回复',
};

/** `hub worklist [--unit code] [--as-of instant]`: the procurator's worklist. */
export async function worklistCommand(config: HubConfig, args: string[], flags: Flags, out: Out) {
  if (args.length > 0)
    throw usage(`多余的参数：${args.join(' ')}`, `unexpected arguments: ${args.join(' ')}`);
  const unit = divisionFlag(flags, 'unit', isProvince);
  const asOf = asOfOf(flag(flags, 'as-of'));
  const subject = { ...(unit ? { unit } : {}), ...(asOf ? { args: { asOf } } : {}) };
  await cliAudited(config, 'export.worklist', { subject }, (note) =>
    withReadSide(config, async (runner, readModels) => {
      await runner.catchUp();
      if (unit) await knownUnit(readModels, unit);
      const worklist = (await procuratorWorklist(readModels, asOf)).filter(
        (w) => !unit || w.case.timeline.some((e) => isWithinDivision(e.reportingUnit, unit)),
      );
      note({ subject: { count: worklist.length } });
      if (asOf) out(`# 截至 ${shown(asOf)}（北京时间）已记录的事件 / as of ${asOf}`);
      out('案件 case\t阶段 stage\t待办事由 reasons');
      for (const w of worklist)
        out(
          `${w.case.caseId}\t${w.case.stage}\t${w.reasons.map((r) => `${REASON_ZH[r] ?? r}（${r}）`).join('；')}`,
        );
    }),
  );
}
