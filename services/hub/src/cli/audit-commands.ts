import { readFileSync } from 'node:fs';
import {
  ACTION_LABELS,
  AuditRetentionError,
  OUTCOME_LABELS,
  shanghaiTime,
  type AuditQuery,
  type AuditRecord,
  type AuditSubject,
} from '@hub/audit';
import { auditFilterSummary, auditQueryOf, type AuditFilterInput } from '@hub/graphql';
import type { HubConfig } from '../config.js';
import { openAuditLog, openVault } from '../compose.js';
import { cliAudited } from './cli-audit.js';
import { flagValue, usage, UsageError, type Flags, type Out } from './usage.js';

const USAGE =
  'hub audit [--holder <身份证号|->] [--from <日期|时刻>] [--to <日期|时刻>] [--action <代码|类别>] [--actor <id>] [--agency <code>] [--purpose <文字>] [--outcome ok|refused|failed] [--limit 200] [--format table|jsonl] | hub audit purge --before YYYY-MM-DD';
const USAGE_EN =
  'hub audit [--holder <ID number|->] [--from <date|instant>] [--to <date|instant>] [--action <code|family>] [--actor <id>] [--agency <code>] [--purpose <text>] [--outcome ok|refused|failed] [--limit 200] [--format table|jsonl] | hub audit purge --before YYYY-MM-DD';

const READ_FLAGS = [
  'holder',
  'from',
  'to',
  'action',
  'actor',
  'agency',
  'purpose',
  'outcome',
  'limit',
  'format',
];

/** `hub audit …` (read, newest first) and `hub audit purge --before YYYY-MM-DD`. */
export async function auditCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
  now: () => Date = () => new Date(),
): Promise<void> {
  if (args[0] === 'purge' && args.length === 1) return purgeCommand(config, flags, out, now);
  if (args.length > 0) throw usage(`用法：${USAGE}`, `usage: ${USAGE_EN}`);
  if (flags.before !== undefined)
    throw usage('--before 只用于 hub audit purge', '--before is for hub audit purge only');
  return readCommand(config, flags, out);
}

/** The ID number to look for: given, or read from standard input (`-`), kept off the shell history. */
function holderOf(flags: Flags): string | undefined {
  const given = flagValue(flags, 'holder');
  if (given !== '-') return given;
  const read = readFileSync(0, 'utf8').trim();
  if (!read)
    throw usage(
      '--holder - 需从标准输入读入身份证号',
      '--holder - reads the ID number from standard input; none was given',
    );
  return read;
}

async function readCommand(config: HubConfig, flags: Flags, out: Out): Promise<void> {
  for (const name of Object.keys(flags))
    if (!READ_FLAGS.includes(name))
      throw usage(`hub audit 不用 --${name}`, `hub audit takes no --${name}`);
  const format = flagValue(flags, 'format') ?? 'table';
  if (format !== 'table' && format !== 'jsonl')
    throw usage(
      `--format 只能是 table 或 jsonl，收到 "${format}"`,
      `--format must be table or jsonl, got "${format}"`,
    );
  const limitText = flagValue(flags, 'limit') ?? '200';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100_000)
    throw usage(
      `--limit 应为 1 到 100000 之间的整数`,
      `--limit must be a whole number from 1 to 100000`,
    );
  const filter: AuditFilterInput = {};
  const holder = holderOf(flags);
  for (const [name, flag] of [
    ['from', 'from'],
    ['to', 'to'],
    ['action', 'action'],
    ['actorId', 'actor'],
    ['agency', 'agency'],
    ['purpose', 'purpose'],
    ['outcome', 'outcome'],
  ] as const) {
    const value = flagValue(flags, flag);
    if (value !== undefined) filter[name] = value;
  }
  if (holder !== undefined) filter.holderIdNumber = holder;
  const vault = await openVault(config);
  const log = openAuditLog(config);
  try {
    let query: AuditQuery;
    try {
      // The operator of the hub command sees the whole country.
      query = auditQueryOf(filter, ['000000'], vault);
    } catch (error) {
      // A filter the user got wrong (a date, an action, an ID number): theirs to correct.
      if ((error as { code?: unknown }).code !== 'AUDIT_QUERY_INVALID') throw error;
      throw new UsageError((error as Error).message.replaceAll('holderIdNumber', '--holder'));
    }
    const summary = auditFilterSummary(filter, vault);
    await cliAudited(
      config,
      'audit.read',
      { subject: { view: 'cli', ...summary, args: { ...summary.args, limit, format } } },
      async (note) => {
        const records: Array<AuditRecord & { cursor: string }> = [];
        let after: string | undefined;
        let more = false;
        while (records.length < limit) {
          const page = await log.query(query, {
            first: Math.min(100, limit - records.length),
            ...(after ? { after } : {}),
          });
          records.push(...page.records);
          more = page.hasNextPage;
          if (!more || !page.endCursor) break;
          after = page.endCursor;
        }
        if (format === 'jsonl')
          for (const r of records) out(JSON.stringify({ ...r, atShanghai: shanghaiTime(r.at) }));
        else {
          out(HEADER.join('\t'));
          for (const r of records) out(tableLine(r).join('\t'));
          out(
            `共 ${records.length} 条（北京时间，新的在前）${more ? '；还有更多，可加大 --limit' : ''} / ${records.length} records (Asia/Shanghai time, newest first)${more ? '; there are more: raise --limit' : ''}`,
          );
        }
        note({ subject: { count: records.length } });
      },
    );
  } finally {
    await log.close();
    await vault.close();
  }
}

/** Column titles, Chinese first. */
const HEADER = [
  '时间（北京）time',
  '操作人 actor',
  '角色 role',
  '部门/单位 agency/units',
  '操作 action',
  '目的 purpose',
  '对象 subject',
  '来源 from',
  '结果 result',
];

const NAMES_ZH: Partial<Record<keyof AuditSubject, string>> = {
  holderKey: '持证人',
  registryKey: '证书',
  numberMasked: '证号',
  form: '报表',
  unit: '单位',
  period: '期间',
  screeningId: '比对',
  clueId: '线索',
  count: '条数',
};

function tableLine(r: AuditRecord): string[] {
  const label = ACTION_LABELS[r.action];
  const actor = [
    `${r.actor.kind}:${r.actor.id}`,
    r.actor.name ? `(${r.actor.name})` : '',
    r.actor.officerId ? `执法员 officer ${r.actor.officerId}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const { args, ...named } = r.subject;
  const subject = [
    ...Object.entries(named).map(
      ([k, v]) => `${NAMES_ZH[k as keyof AuditSubject] ?? k}=${String(v)}`,
    ),
    ...Object.entries(args ?? {}).map(([k, v]) => `${k}=${String(v)}`),
  ].join(' ');
  const from = [r.from.ip, r.from.host, r.from.requestId && `req ${r.from.requestId}`]
    .filter(Boolean)
    .join(' ');
  return [
    shanghaiTime(r.at),
    actor,
    r.actor.role ?? '-',
    `${r.actor.agency ?? '-'}/${r.actor.units?.join(',') ?? '-'}`,
    label ? `${label.zh} ${r.action}` : r.action,
    r.purpose ?? '-',
    [r.caseId ? `案件=${r.caseId}` : '', subject].filter(Boolean).join(' ') || '-',
    from || '-',
    `${OUTCOME_LABELS[r.result.outcome]}${r.result.code ? ` ${r.result.code}` : ''}`,
  ];
}

/**
 * `hub audit purge --before YYYY-MM-DD`: removes records before that Asia/Shanghai day, only
 * past the retention period (HUB_AUDIT_RETENTION_DAYS, at least 183 days); the log keeps an
 * anchor so what remains still verifies, and the purge itself goes on the record.
 */
async function purgeCommand(config: HubConfig, flags: Flags, out: Out, now: () => Date) {
  const other = Object.keys(flags).filter((f) => f !== 'before');
  if (other.length > 0)
    throw usage(
      `hub audit purge 只用 --before（不用 --${other[0]}）`,
      `hub audit purge takes only --before (not --${other[0]})`,
    );
  const day = flagValue(flags, 'before');
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00+08:00`)))
    throw usage(
      '缺少或错误的 --before（YYYY-MM-DD，北京时间当日零点之前的记录将被清除）',
      'missing or malformed --before (YYYY-MM-DD: records before that day starts in Asia/Shanghai are purged)',
    );
  const before = new Date(`${day}T00:00:00+08:00`).toISOString();
  const log = openAuditLog(config);
  try {
    await cliAudited(
      config,
      'audit.purge',
      { subject: { period: `..${day}`, args: { retentionDays: config.HUB_AUDIT_RETENTION_DAYS } } },
      async (note) => {
        const result = await log.purge({
          before,
          now: now(),
          retentionDays: config.HUB_AUDIT_RETENTION_DAYS,
        });
        note({
          subject: {
            count: result.purged,
            ...(result.anchor
              ? { args: { anchorSeq: result.anchor.throughSeq, anchorHash: result.anchor.hash } }
              : {}),
          },
        });
        out(
          result.anchor
            ? `已清除 ${result.purged} 条 ${day} 之前的审计记录；锚点：序号 ${result.anchor.throughSeq}，哈希 ${result.anchor.hash}（其后的记录仍可核验）/ purged ${result.purged} audit records before ${day}; anchor: seq ${result.anchor.throughSeq}, hash ${result.anchor.hash} (the records after it still verify)`
            : `${day} 之前没有可清除的审计记录 / no audit records before ${day} to purge`,
        );
      },
    );
  } catch (error) {
    // The refusal is the user's to act on: one line, Chinese first, exit status 2.
    if (error instanceof AuditRetentionError) throw new UsageError(error.message);
    throw error;
  } finally {
    await log.close();
  }
}
