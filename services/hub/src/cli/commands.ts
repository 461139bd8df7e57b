import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { printSchema } from 'graphql';
import { buildSchema } from '@hub/graphql';
import { AGENCIES, eventJsonSchemas, isAgency, parseUnits } from '@hub/domain';
import { generateDemoCampaign } from '@hub/demo';
import type { HubConfig } from '../config.js';
import { openStores, openUsers, openVault, startHub } from '../compose.js';
import { isRole, ROLES } from '@hub/graphql';
import { startKafkaBridge } from '../kafka.js';
import { createLogger } from '../logger.js';
import { publishAsAgencies } from '@hub/ingestion';

import { UsageError, type Out } from './usage.js';

export { UsageError };

export async function startCommand(config: HubConfig, out: Out): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL);
  const hub = await startHub(config, logger);
  out(`hub listening on ${hub.url}`);
  out(`data directory: ${config.dataDir}`);
  out(
    `agency credential: npm run hub -- token create --agency <${AGENCIES.join('|')}> --units <division codes>`,
  );
  out(`demo data: npm run hub -- demo`);
  out(
    `GraphQL: ${hub.url}/graphql (query page ${hub.url}/graphql/ui; user token: npm run hub -- user create --role analyst --name <name>)`,
  );
  if (config.KAFKA_BROKERS)
    out(
      `kafka bridge: ${config.KAFKA_BROKERS} (topics hub.ingress.<agency> → store → hub.inbox.<agency>)`,
    );
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void hub.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/**
 * Runs the Kafka bridge alone, without the HTTP API: the deployment that scales the bridge
 * apart from ingestion. It shares the event store (and the data directory, for its checkpoint).
 */
export async function bridgeCommand(config: HubConfig, out: Out): Promise<void> {
  if (!config.KAFKA_BROKERS) throw new UsageError('hub bridge needs KAFKA_BROKERS');
  const logger = createLogger(config.LOG_LEVEL);
  const stores = await openStores(config);
  const vault = openVault(config);
  const bridge = startKafkaBridge(config, stores.store, vault, logger)!;
  out(`kafka bridge running against ${config.KAFKA_BROKERS}`);
  out(`topics: hub.ingress.<agency> → event store → hub.inbox.<agency>`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down the kafka bridge');
    void bridge
      .stop()
      .then(() => stores.close())
      .then(() => vault.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

export async function tokenCommand(
  config: HubConfig,
  args: string[],
  flags: Record<string, string | true>,
  out: Out,
): Promise<void> {
  const stores = await openStores(config);
  try {
    const [action] = args;
    if (action === 'create') {
      const agency = flags.agency;
      if (!isAgency(agency)) throw new UsageError(`--agency must be one of ${AGENCIES.join(', ')}`);
      const label = typeof flags.label === 'string' ? flags.label : `${agency} system`;
      if (typeof flags.units !== 'string')
        throw new UsageError(
          '缺少 --units：该系统发布和查询的单位（行政区划代码，逗号分隔；全国用 000000）/ missing --units: the division codes the system publishes and reads for (comma-separated; 000000 for the whole country)',
        );
      const units = parseUnits(flags.units);
      if (typeof units === 'string') throw new UsageError(units);
      const { token, credential } = await stores.credentials.create(agency, label, units);
      out(
        `created credential ${credential.tokenId} for agency ${agency}, units ${units.join(',')} (${label}); it is shown once, store it now:`,
      );
      out(token);
    } else if (action === 'revoke') {
      const tokenId = args[1];
      if (!tokenId) throw new UsageError('usage: hub token revoke <tokenId>');
      const revoked = await stores.credentials.revoke(tokenId);
      if (!revoked) throw new UsageError(`no live credential ${tokenId}`);
      out(`revoked credential ${tokenId}`);
    } else if (action === 'list') {
      for (const c of await stores.credentials.list()) {
        out(
          `${c.tokenId}\t${c.agency}\t${c.units.join(',')}\t${c.revokedAt ? `revoked ${c.revokedAt}` : 'live'}\t${c.createdAt}\t${c.label}`,
        );
      }
    } else {
      throw new UsageError(
        'usage: hub token create --agency <code> --units <division codes> [--label text] | hub token revoke <tokenId> | hub token list',
      );
    }
  } finally {
    await stores.close();
  }
}

export async function demoCommand(config: HubConfig, out: Out): Promise<void> {
  const stores = await openStores(config);
  const vault = openVault(config);
  try {
    const campaign = generateDemoCampaign();
    const { results, problems } = await publishAsAgencies(stores.store, campaign, {
      sealing: vault,
    });
    if (problems.length > 0)
      throw new Error(`demo campaign is invalid: ${JSON.stringify(problems.slice(0, 3))}`);
    const fresh = results.filter((r) => !r.duplicate).length;
    out(
      `demo campaign: ${campaign.length} events in ${results.length} streams (${fresh} streams written, ${results.length - fresh} already there)`,
    );
  } finally {
    await stores.close();
    vault.close();
  }
}

/** Writes (or with `check`, compares) the JSON Schemas generated from the catalogue. */
export function schemasCommand(
  args: string[],
  out: Out,
  dir = join(process.cwd(), 'schemas', 'events'),
): void {
  const generated = eventJsonSchemas().map((s) => ({
    file: s.file,
    text: `${JSON.stringify(s.schema, null, 2)}\n`,
  }));
  if (args[0] === 'check') {
    const stale = staleSchemas(dir, generated);
    if (stale.length > 0)
      throw new UsageError(`schemas/events is stale (${stale.join(', ')}); run: npm run schemas`);
    out(`schemas/events is up to date (${generated.length} files)`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of generated) writeFileSync(join(dir, s.file), s.text);
  out(`wrote ${generated.length} schemas to ${dir}`);
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
    if (committed !== sdl) throw new UsageError(`${file} is stale; run: npm run schemas`);
    out(`${file} is up to date`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, sdl);
  out(`wrote the GraphQL schema to ${file}`);
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

/** `hub user create --role <role> --name <name> [--agency <code>] [--units a,b] [--days 90]`, `list`, `revoke <id>`. */
export async function userCommand(
  config: HubConfig,
  args: string[],
  flags: Record<string, string | true>,
  out: Out,
): Promise<void> {
  const users = openUsers(config);
  try {
    const [action] = args;
    if (action === 'create') {
      const role = flags.role;
      const name = typeof flags.name === 'string' ? flags.name : undefined;
      if (!isRole(role) || !name)
        throw new UsageError(
          `usage: hub user create --role <${ROLES.join('|')}> --name <name> --units <division codes, comma-separated; 000000 for the whole country> [--agency <code>] [--days 90]`,
        );
      const agency = typeof flags.agency === 'string' ? flags.agency : undefined;
      if (agency !== undefined && !isAgency(agency))
        throw new UsageError(`--agency must be one of ${AGENCIES.join(', ')}`);
      if (typeof flags.units !== 'string')
        throw new UsageError(
          '缺少 --units：用户可查看的单位（行政区划代码，逗号分隔；全国用 000000）/ missing --units: the division codes the user works in (comma-separated; 000000 for the whole country)',
        );
      const units = parseUnits(flags.units);
      if (typeof units === 'string') throw new UsageError(units);
      const days = typeof flags.days === 'string' ? Number(flags.days) : 90;
      const { id, token } = await users
        .create({ name, role, units, ...(agency ? { agency } : {}) }, days)
        .catch((error: unknown) => {
          throw new UsageError((error as Error).message);
        });
      out(
        `created user ${id} (${role}${agency ? `, ${agency}` : ''}, ${units.join(',')}); the token is shown once, valid ${days} days:`,
      );
      out(token);
    } else if (action === 'list') {
      for (const u of users.list())
        out(
          `${u.id}\t${u.role}\t${u.agency ?? '-'}\t${u.units?.join(',') ?? '-'}\t${u.revoked ? 'revoked' : 'live'}\t${u.name}`,
        );
    } else if (action === 'revoke') {
      if (!args[1] || !users.revoke(args[1]))
        throw new UsageError('usage: hub user revoke <id of a live user>');
      out(`revoked user ${args[1]}`);
    } else throw new UsageError('usage: hub user create … | hub user list | hub user revoke <id>');
  } finally {
    users.close();
  }
}
