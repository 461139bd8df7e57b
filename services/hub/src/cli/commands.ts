import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { printSchema } from 'graphql';
import { buildSchema } from '@hub/graphql';
import {
  eventCatalogue,
  AGENCIES,
  clockAt,
  eventJsonSchemas,
  isAgency,
  NATIONWIDE,
  type Agency,
} from '@hub/domain';
import { DEMO_REFERENCE_DATE, generateDemoCampaign } from '@hub/demo';
import type { HubConfig } from '../config.js';
import { openConsoleStore, openStores, openUsers, openVault, startHub } from '../compose.js';
import { isRole, ROLES } from '@hub/graphql';
import { exitOnTerminationSignals } from '../shutdown.js';
import { createLogger } from '../logger.js';
import { startBridgeRole } from '../roles/bridge.js';
import { startProjector } from '../roles/projector.js';
import type { HubRole } from '../roles/role.js';
import { publishAsAgencies } from '@hub/ingestion';

import { checkDivision, flagValue, usage, type Flags, type Out } from './usage.js';
import { cliAudited } from './cli-audit.js';
import { isProvince } from './known-units.js';
import { openApiDocument } from '../openapi/openapi-document.js';
import { clientEventTypesModule } from '../openapi/client-types.js';

export async function startCommand(
  config: HubConfig,
  out: Out,
  role: HubRole = 'all',
): Promise<void> {
  if (role === 'bridge') return bridgeCommand(config, out);
  if (role !== 'all' && !config.DATABASE_URL)
    throw usage(
      `hub start --role ${role} 需要 DATABASE_URL（读模型与投影主节点选举都在 PostgreSQL 中）`,
      `hub start --role ${role} needs DATABASE_URL (the read models and the projector election live in PostgreSQL)`,
    );
  const logger = createLogger(config.LOG_LEVEL).child({ role });
  if (role === 'projector') {
    const projector = await startProjector(config, logger);
    out(`hub projector on ${projector.url} (/healthz says whether it is the active one)`);
    exitOnTerminationSignals(() => projector.stop(), logger);
    return;
  }
  const hub = await startHub(config, logger, { role });
  out(`hub listening on ${hub.url}`);
  out(`data directory: ${config.dataDir}`);
  out(
    `agency credential: npm run hub -- token create --agency <${AGENCIES.join('|')}> --units <division codes>`,
  );
  out(`demo data: npm run hub -- demo`);
  out(
    `GraphQL: ${hub.url}/graphql (query page ${hub.url}/graphql/ui; user token: npm run hub -- user create --role analyst --name <name> --units <division codes>)`,
  );
  out(
    `控制台 console: ${hub.url}/ (sign in with the one-time link printed by: npm run hub -- user create --role analyst --name <name> --units <division codes>)`,
  );
  if (config.KAFKA_BROKERS)
    out(
      `kafka bridge: ${config.KAFKA_BROKERS} (topics hub.ingress.<agency> → store → hub.inbox.<agency>)`,
    );
  exitOnTerminationSignals(() => hub.stop(), logger);
}

/**
 * Runs the Kafka bridge alone, without the HTTP API: the deployment that scales the bridge
 * apart from ingestion. It shares the event store. With DATABASE_URL its checkpoint is in
 * PostgreSQL and bridges on any machines elect one active (the others stand by, answering
 * /healthz and /readyz on PORT); otherwise the checkpoint and a lock are in the data directory.
 */
export async function bridgeCommand(config: HubConfig, out: Out): Promise<void> {
  if (!config.KAFKA_BROKERS)
    throw usage(
      'hub bridge 需要 KAFKA_BROKERS（如 kafka1:9092,kafka2:9092）',
      'hub bridge needs KAFKA_BROKERS (e.g. kafka1:9092,kafka2:9092)',
    );
  const logger = createLogger(config.LOG_LEVEL).child({ role: 'bridge' });
  const bridge = await startBridgeRole(config, logger);
  out(`kafka bridge running against ${config.KAFKA_BROKERS}`);
  out(`topics: hub.ingress.<agency> → event store → hub.inbox.<agency>`);
  if (bridge.health)
    out(
      `one active bridge per database; this one answers on ${bridge.health.url} (/healthz says whether it is the active one)`,
    );
  exitOnTerminationSignals(() => bridge.stop(), logger);
}

const TOKEN_USAGE =
  'hub token create --agency <code> --units <division codes> [--label text] | hub token revoke <tokenId> | hub token list';

/**
 * `--units`: the division codes a credential or user works in, comma-separated; 000000 (or
 * 全国) for the whole country. Required: nobody sees wider than its units say.
 */
function unitsFlag(flags: Flags): string[] | undefined {
  const units = flagValue(flags, 'units')
    ?.split(/[,，]/)
    .map((u) => u.trim())
    .map((u) => (u === '全国' ? NATIONWIDE : u));
  units?.forEach((u) => u === NATIONWIDE || checkDivision(u, '--units', isProvince));
  return units;
}

const missingUnits = (who: string, whoEn: string) =>
  usage(
    `缺少 --units：${who}的单位（行政区划代码，逗号分隔；全国用 000000）`,
    `missing --units: the division codes ${whoEn} (comma-separated; 000000 for the whole country)`,
  );

function agencyFlag(flags: Flags): Agency | undefined {
  const agency = flagValue(flags, 'agency');
  if (agency !== undefined && !isAgency(agency))
    throw usage(
      `没有部门代码 "${agency}"，可用：${AGENCIES.join(', ')}`,
      `no agency "${agency}"; agencies: ${AGENCIES.join(', ')}`,
    );
  return agency;
}

export async function tokenCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
): Promise<void> {
  const [action] = args;
  const wanted = { create: 1, revoke: 2, list: 1 }[action ?? ''];
  if (wanted === undefined || args.length !== wanted)
    throw usage(`用法：${TOKEN_USAGE}`, `usage: ${TOKEN_USAGE}`);
  const agency = agencyFlag(flags);
  const label = flagValue(flags, 'label');
  if (action === 'create' && !agency)
    throw usage(
      `缺少 --agency（${AGENCIES.join(', ')}）`,
      `missing --agency (${AGENCIES.join(', ')})`,
    );
  const units = unitsFlag(flags);
  if (action === 'create' && !units)
    throw missingUnits('该系统发布和查询', 'the system publishes and reads for');
  const stores = await openStores(config);
  try {
    if (action === 'create' && agency && units) {
      const given = { agency, units: units.join(','), ...(label ? { label } : {}) };
      await cliAudited(config, 'credential.create', { subject: { args: given } }, async (note) => {
        const { token, credential } = await stores.credentials.create(
          agency,
          label ?? `${agency} system`,
          units,
        );
        note({ subject: { tokenId: credential.tokenId } });
        out(
          `created credential ${credential.tokenId} for agency ${agency}, units ${units.join(',')} (${credential.label}); it is shown once, store it now:`,
        );
        out(token);
      });
    } else if (action === 'revoke') {
      const tokenId = args[1]!;
      await cliAudited(config, 'credential.revoke', { subject: { tokenId } }, async () => {
        const revoked = await stores.credentials.revoke(tokenId);
        if (!revoked)
          throw usage(
            `没有有效的凭证 ${tokenId}（hub token list 列出凭证）`,
            `no live credential ${tokenId} (hub token list lists them)`,
          );
        out(`已吊销凭证 ${tokenId} / revoked credential ${tokenId}`);
      });
    } else if (action === 'list') {
      for (const c of await stores.credentials.list()) {
        out(
          `${c.tokenId}\t${c.agency}\t${c.units.join(',')}\t${c.revokedAt ? `revoked ${c.revokedAt}` : 'live'}\t${c.createdAt}\t${c.label}`,
        );
      }
    }
  } finally {
    await stores.close();
  }
}

/**
 * `hub demo`: the demo campaign around its reference date (DEMO_REFERENCE_DATE), each event
 * recorded as its world had it, shortly after it happened (on the embedded store), so that
 * late flags, deadlines and "as of" read as they did then. Idempotent: deterministic ids.
 */
export async function demoCommand(config: HubConfig, out: Out): Promise<void> {
  let recordingAt = new Date();
  const stores = await openStores(config, { now: () => recordingAt });
  const vault = await openVault(config);
  try {
    const campaign = generateDemoCampaign();
    let written = 0;
    let streams = 0;
    // Events recorded at the same instant are appended together.
    for (let i = 0; i < campaign.length;) {
      const at = campaign[i]!.recordedAt;
      let end = i;
      while (end < campaign.length && campaign[end]!.recordedAt === at) end++;
      recordingAt = new Date(at);
      const { results, problems } = await publishAsAgencies(stores.store, campaign.slice(i, end), {
        sealing: vault,
        clock: clockAt(recordingAt),
      });
      if (problems.length > 0)
        throw new Error(`demo campaign is invalid: ${JSON.stringify(problems.slice(0, 3))}`);
      streams += results.length;
      written += results.filter((r) => !r.duplicate).length;
      i = end;
    }
    out(
      `演示数据：${campaign.length} 个事件，${streams} 次写入（新写入 ${written}，已存在 ${streams - written}）；演示基准时间 ${DEMO_REFERENCE_DATE} / demo campaign: ${campaign.length} events (${written} appends written, ${streams - written} already there); reference date ${DEMO_REFERENCE_DATE}`,
    );
  } finally {
    await stores.close();
    await vault.close();
  }
}

function checkSchemasArgs(args: string[]): void {
  if (args.length > 1 || (args[0] !== undefined && args[0] !== 'check' && args[0] !== 'write'))
    throw usage('用法：hub schemas [write|check]', 'usage: hub schemas [write|check]');
}

/** Writes (or with `check`, compares) the JSON Schemas generated from the catalogue. */
export function schemasCommand(
  args: string[],
  out: Out,
  dir = join(process.cwd(), 'schemas', 'events'),
): void {
  checkSchemasArgs(args);
  const generated = eventJsonSchemas().map((s) => ({
    file: s.file,
    text: `${JSON.stringify(s.schema, null, 2)}\n`,
  }));
  if (args[0] === 'check') {
    const stale = staleSchemas(dir, generated);
    if (stale.length > 0)
      throw usage(
        `schemas/events 已过期（${stale.join(', ')}），请运行 npm run schemas`,
        `schemas/events is stale (${stale.join(', ')}); run: npm run schemas`,
      );
    out(
      `schemas/events 已是最新（${generated.length} 个文件） / schemas/events is up to date (${generated.length} files)`,
    );
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of generated) writeFileSync(join(dir, s.file), s.text);
  out(`已写入 ${generated.length} 个模式到 ${dir} / wrote ${generated.length} schemas to ${dir}`);
}

/** The GraphQL SDL as committed in schemas/graphql/hub.graphql. */
export function graphqlSdl(): string {
  return `${printSchema(buildSchema())}\n`;
}

/** Writes (or with `check`, compares) schemas/graphql/hub.graphql. */
export function graphqlSchemaCommand(
  args: string[],
  out: Out,
  file = join(process.cwd(), 'schemas', 'graphql', 'hub.graphql'),
): void {
  const sdl = graphqlSdl();
  if (args[0] === 'check') {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // missing: stale
    }
    if (committed !== sdl)
      throw usage(
        `${file} 已过期，请运行 npm run schemas`,
        `${file} is stale; run: npm run schemas`,
      );
    out(`${file} 已是最新 / ${file} is up to date`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, sdl);
  out(`已写入 GraphQL 模式 ${file} / wrote the GraphQL schema to ${file}`);
}

export function staleSchemas(
  dir: string,
  generated: Array<{ file: string; text: string }>,
): string[] {
  let present: string[] = [];
  try {
    present = readdirSync(dir);
  } catch {
    return ['(missing directory)'];
  }
  const stale = generated
    .filter((g) => !present.includes(g.file) || readFileSync(join(dir, g.file), 'utf8') !== g.text)
    .map((g) => g.file);
  const extra = present.filter((p) => !generated.some((g) => g.file === p));
  return [...stale, ...extra];
}

const USER_USAGE = `hub user create --role <${ROLES.join('|')}> --name <name> --units <division codes, comma-separated; 000000 for the whole country> [--agency <code>] [--login <console user name>] [--days 90] | hub user list | hub user revoke <id>`;

/** `hub user create --role <role> --name <name> --units a,b [--agency <code>] [--days 90]`, `list`, `revoke <id>`. */
export async function userCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
): Promise<void> {
  const [action] = args;
  const wanted = { create: 1, list: 1, revoke: 2 }[action ?? ''];
  if (wanted === undefined || args.length !== wanted)
    throw usage(`用法：${USER_USAGE}`, `usage: ${USER_USAGE}`);
  const role = flagValue(flags, 'role');
  const name = flagValue(flags, 'name');
  const agency = agencyFlag(flags);
  const units = unitsFlag(flags);
  const login = flagValue(flags, 'login');
  if (login !== undefined && !/^[A-Za-z0-9._@-]{3,64}$/.test(login))
    throw usage(
      `--login 应为 3 到 64 个字母、数字或 . _ @ -，收到 "${login}"`,
      `--login must be 3 to 64 letters, digits or . _ @ -, got "${login}"`,
    );
  const daysText = flagValue(flags, 'days');
  const days = daysText === undefined ? 90 : Number(daysText);
  if (!/^\d+$/.test(daysText ?? '90') || days < 1 || days > 3650)
    throw usage(
      `--days 应为 1 到 3650 之间的整数（令牌有效天数），收到 "${daysText}"`,
      `--days must be a whole number of days from 1 to 3650, got "${daysText}"`,
    );
  if (action === 'create') {
    if (!isRole(role))
      throw usage(
        role
          ? `没有角色 "${role}"，可用：${ROLES.join(', ')}`
          : `缺少 --role（${ROLES.join(', ')}）`,
        role
          ? `no role "${role}"; roles: ${ROLES.join(', ')}`
          : `missing --role (${ROLES.join(', ')})`,
      );
    if (!name) throw usage('缺少 --name（使用人姓名）', "missing --name (the person's name)");
    if (!units) throw missingUnits('用户可查看', 'the user works in');
  }
  const users = openUsers(config);
  try {
    if (action === 'create' && isRole(role) && name && units) {
      const given = { role, name, units: units.join(','), days, ...(agency ? { agency } : {}) };
      await cliAudited(config, 'user.create', { subject: { args: given } }, async (note) => {
        const { id, token } = await users
          .create({ name, role, units, ...(agency ? { agency } : {}) }, days)
          .catch((error: unknown) => {
            // The directory refuses combinations (an agency officer without an agency …).
            throw usage(`无法创建用户：${(error as Error).message}`, (error as Error).message);
          });
        note({ subject: { userId: id } });
        // The console: a one-time sign-in link (then the person sets a user name and password).
        const consoleStore = openConsoleStore(config);
        try {
          await consoleStore.setAccount(id, login ?? `user-${id.slice(0, 8)}`, null);
          const link = await consoleStore.createLink(id);
          out(
            `控制台一次性登录链接（7 天内有效）/ one-time console sign-in link (valid 7 days): ${consoleBaseOf(config)}/signin#link=${link}`,
          );
        } finally {
          await consoleStore.close();
        }
        out(
          `created user ${id} (${role}${agency ? `, ${agency}` : ''}, ${units.join(',')}); the token is shown once, valid ${days} days:`,
        );
        out(token);
      });
    } else if (action === 'list') {
      for (const u of await users.list())
        out(
          `${u.id}\t${u.role}\t${u.agency ?? '-'}\t${u.units?.join(',') ?? '-'}\t${u.revoked ? 'revoked' : 'live'}\t${u.name}`,
        );
    } else if (action === 'revoke') {
      const userId = args[1]!;
      await cliAudited(config, 'user.revoke', { subject: { userId } }, async () => {
        if (!(await users.revoke(userId)))
          throw usage(
            `没有有效的用户 ${userId}（hub user list 列出用户）`,
            `no live user ${userId} (hub user list lists them)`,
          );
        out(`已吊销用户 ${userId} / revoked user ${userId}`);
      });
    }
  } finally {
    await users.close();
  }
}

/**
 * The committed documents a vendor reads, by path from the repository root: the OpenAPI
 * description, the event catalogue, and the TypeScript client's event types.
 */
export function connectDocuments(): Array<{ file: string; text: string }> {
  return [
    {
      file: join('schemas', 'openapi', 'hub.openapi.json'),
      text: `${JSON.stringify(openApiDocument(), null, 2)}\n`,
    },
    {
      file: join('schemas', 'catalogue.json'),
      text: `${JSON.stringify(eventCatalogue(), null, 2)}\n`,
    },
    {
      file: join('packages', 'client', 'src', 'generated', 'event-types.ts'),
      text: clientEventTypesModule(),
    },
  ];
}

/** Writes (or with `check`, compares) the documents of connectDocuments. */
export function connectSchemasCommand(args: string[], out: Out, root = process.cwd()): void {
  for (const { file, text } of connectDocuments()) {
    const path = join(root, file);
    if (args[0] === 'check') {
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text)
        throw usage(
          `${path} 已过期，请运行 npm run schemas`,
          `${path} is stale; run: npm run schemas`,
        );
      out(`${path} 已是最新 / ${path} is up to date`);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    out(`已写入 ${path} / wrote ${path}`);
  }
}

/**
 * Where people reach this hub's console, for the sign-in link: the configured address, but a
 * hub listening on every interface (0.0.0.0, ::) is reached on this machine at 127.0.0.1.
 */
function consoleBaseOf(config: HubConfig): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}`;
}
