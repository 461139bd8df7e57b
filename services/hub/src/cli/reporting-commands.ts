import { writeFileSync } from 'node:fs';
import { divisionName, isWithinDivision, pendingSteps } from '@hub/domain';
import { clueLedger, computeForm, formTemplate, ProjectionRunner } from '@hub/read-models';
import { formGrid, formToCsv, formToXlsx } from '@hub/reporting';
import type { HubConfig } from '../config.js';
import { hubProjections, openReadModels, openStores, openVault } from '../compose.js';
import { loadRules } from '../rules.js';
import { UsageError, type Out } from './usage.js';

type Flags = Record<string, string | true>;
const flag = (flags: Flags, name: string) =>
  typeof flags[name] === 'string' ? flags[name] : undefined;

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
    if (action === 'status' || action === undefined) {
      out('projection\tversion\tposition\tlag events\tlag seconds\tneeds rebuild');
      for (const s of await runner.status()) {
        out(
          `${s.projection}\t${s.version}\t${s.position ?? '-'}\t${s.lagCapped ? '≥' : ''}${s.lagEvents}\t${s.lagSeconds.toFixed(1)}\t${s.needsRebuild ? 'yes' : 'no'}`,
        );
      }
      return;
    }
    if (action === 'rebuild') {
      if (!name || !runner.names().includes(name))
        throw new UsageError(`usage: hub projections rebuild <${runner.names().join('|')}>`);
      const started = Date.now();
      const events = await runner.rebuild(name, progressLine(out, name, await head()));
      if (process.stdout.isTTY) process.stdout.write('\n');
      out(
        `rebuilt ${name} from ${events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return;
    }
    throw new UsageError('usage: hub projections status | hub projections rebuild <name>');
  });
}

/** `hub report <form> --unit <code> [--period YYYY-MM] [--as-of instant] [--format csv|xlsx|json] [--out file]` */
export async function reportCommand(config: HubConfig, args: string[], flags: Flags, out: Out) {
  const [formId] = args;
  const unit = flag(flags, 'unit');
  if (!formId || !unit)
    throw new UsageError(
      'usage: hub report <shanghai-2024|guangdong-2018|jiangjin-2023> --unit <division code> [--period YYYY-MM] [--as-of 2024-09-01T00:00:00+08:00] [--format csv|xlsx|json] [--out file] [--filled-by name] [--contact phone]',
    );
  const format = flag(flags, 'format') ?? 'csv';
  if (!['csv', 'xlsx', 'json'].includes(format))
    throw new UsageError('--format must be csv, xlsx or json');
  if (format === 'xlsx' && !flag(flags, 'out'))
    throw new UsageError('--format xlsx needs --out <file>');
  await withReadSide(config, async (runner, readModels) => {
    // A report reads up-to-date read models: apply whatever is stored first.
    await runner.catchUp();
    const period = flag(flags, 'period');
    const asOf = flag(flags, 'as-of');
    const form = await computeForm(
      readModels,
      {
        template: formTemplate(formId),
        unit,
        ...(period ? { period } : {}),
        ...(asOf ? { asOf } : {}),
      },
      divisionName,
    );
    const filledBy = flag(flags, 'filled-by');
    const contact = flag(flags, 'contact');
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
    const file = flag(flags, 'out');
    if (file) {
      writeFileSync(file, body);
      out(`wrote ${file}`);
    } else
      out(
        String(body)
          .replace(/^\uFEFF/, '')
          .trimEnd(),
      );
  });
}

/** `hub ledger [--unit code] [--due]`: the clue-transfer ledger, or only what is due now. */
export async function ledgerCommand(config: HubConfig, flags: Flags, out: Out) {
  const rules = loadRules(config.HUB_RULES_FILE);
  await withReadSide(config, async (runner, readModels) => {
    await runner.catchUp();
    const unit = flag(flags, 'unit');
    const ledger = await clueLedger(readModels, rules.deadlineRules, new Date().toISOString());
    const inUnit = ledger.filter(
      (c) =>
        !unit ||
        (c.reportingUnit && isWithinDivision(c.reportingUnit, unit)) ||
        (c.toPoliceUnit && isWithinDivision(c.toPoliceUnit, unit)),
    );
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
  });
}
