import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { MIN_AUDIT_RETENTION_DAYS } from '@hub/audit';
import { DEFAULT_XLSX_LIMITS, type XlsxLimits } from '@hub/certificates';
import { clockAt, type RecordingClock } from '@hub/domain';
import { parseSize } from '@hub/ingestion';

const Port = z.coerce.number().int().min(0).max(65535);

const ConfigSchema = z.object({
  PORT: Port.default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  HUB_DATA_DIR: z.string().min(1).default('./data'),
  EVENT_STORE: z.enum(['embedded', 'postgres', 'eventstoredb']).default('embedded'),
  EVENTSTORE_URL: z
    .string()
    .regex(
      /^(esdb|kurrentdb)(\+discover)?:\/\/\S+$/,
      'must be an esdb://, esdb+discover://, kurrentdb:// or kurrentdb+discover:// connection string',
    )
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// connection string')
    .optional(),
  HUB_RULES_FILE: z.string().min(1).optional(),
  HUB_PII_KEY: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=]{40,}$/,
      'must be <key id>:<32 random bytes in base64>',
    )
    .optional(),
  HUB_JWT_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9+/=]{43,}$/, 'must be at least 32 random bytes in base64')
    .optional(),
  /** The hub's signing key (PEM: private then public key), as `hub-signing.key` holds it. */
  HUB_SIGNING_KEY: z
    .string()
    .regex(
      /-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN PUBLIC KEY-----/,
      'must be the private and the public key in PEM',
    )
    .optional(),
  /**
   * The algorithms of the deployment, chosen once: `international` (SHA-256, Ed25519,
   * AES-256-GCM, HMAC-SHA-256) or `national` (SM3, SM2, SM4, HMAC-SM3; GB/T 39786-2021).
   */
  HUB_CRYPTO_SUITE: z.enum(['international', 'national']).default('international'),
  /**
   * Agencies whose published batches must carry a valid signature (comma-separated agency
   * codes, or `all`); others may sign and are checked when they do.
   */
  HUB_SIGNATURES_REQUIRED: z
    .string()
    .regex(
      /^(all|(emergency|construction|market|cyberspace|police|procuratorate|court)(,(emergency|construction|market|cyberspace|police|procuratorate|court))*)$/,
      'must be "all" or agency codes, comma-separated (emergency,police …)',
    )
    .optional(),
  GRAPHQL_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Requests a minute per agency credential on the /v1 API. */
  API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  /** Worker threads that screen rosters (0: on the main thread). */
  SCREENING_THREADS: z.coerce.number().int().min(0).max(64).default(2),
  /** Screening threads look certificates up in a copy of the registry in shared memory. */
  SCREENING_REGISTRY_IN_MEMORY: z.enum(['true', 'false']).default('true'),
  HUB_PII_PREVIOUS_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=]{40,}(,[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=]{40,})*$/,
      'must be <key id>:<base64>[,<key id>:<base64>…]',
    )
    .optional(),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]')
    .optional(),
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  /** PEM file of the CA(s) that signed the brokers' certificates, when not a public CA. */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(7).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 512kb or 5mb')
    .default('5mb'),
  /** Largest roster or issuer export, after decompression (all XLSX parts together). */
  ROSTER_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb|gb)$/i, 'must be a size such as 512kb or 200mb')
    .default('200mb'),
  /** Largest XLSX shared-strings table once inflated: the reader holds it whole in memory. */
  XLSX_SHARED_STRINGS_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb|gb)$/i, 'must be a size such as 512kb or 64mb')
    .default('64mb'),
  /** Largest ratio of decompressed to compressed bytes, for bodies and XLSX parts (past 1 MB). */
  MAX_INFLATE_RATIO: z.coerce.number().int().min(2).max(100_000).default(100),
  MAX_EVENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * Longest an embedded store's group waits for publish requests on their way before it
   * commits (0: it never waits).
   */
  COMMIT_DELAY_MS: z.coerce.number().int().min(0).max(200).default(20),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  /** How far ahead of the hub's clock an event may say it happened (agency clocks drift). */
  HUB_FUTURE_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Events recorded more than this many days after they happened are flagged, not refused. */
  HUB_LATE_EVENT_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  /** Audit records are kept at least this long; a purge reaching into it is refused. */
  HUB_AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(
      MIN_AUDIT_RETENTION_DAYS,
      `审计记录至少保留 ${MIN_AUDIT_RETENTION_DAYS} 天（网络安全法第二十一条：不少于六个月）/ audit records are kept at least ${MIN_AUDIT_RETENTION_DAYS} days (Cybersecurity Law art. 21: no less than six months)`,
    )
    .max(36_500)
    .default(MIN_AUDIT_RETENTION_DAYS),
  /**
   * How the Shanghai form's note "8月、10月、12月底前报送上2个月的进展情况" is read: `ending`,
   * the two months ending with the due month (default; README gives the reasoning), or
   * `preceding`, the two months before it. Printed on the form either way.
   */
  HUB_SHANGHAI_BIMONTHLY: z.enum(['ending', 'preceding']).default('ending'),
  /** The console's session cookie is sent over HTTPS only: set wherever users reach the hub by HTTPS. */
  HUB_SECURE_COOKIES: z.enum(['true', 'false']).default('false'),
  /**
   * Behind a reverse proxy or ingress: which hops to trust for the client's address (express's
   * `trust proxy`: a hop count, or addresses/subnets), so per-address limits count clients.
   */
  HUB_TRUST_PROXY: z.string().optional(),
});

export type HubConfig = z.infer<typeof ConfigSchema> & { dataDir: string };

/**
 * Keys every process of a server-mode hub must hold alike, given in the environment or, with
 * `_FILE`, as the path of a file (a mounted secret). Embedded, a missing one is made in the data
 * directory; in server mode processes on other machines could not share it, so it is required.
 */
const SECRET_FILE_VARIABLES = ['HUB_PII_KEY', 'HUB_JWT_SECRET', 'HUB_SIGNING_KEY'] as const;

/** Variables of the hub's own prefix that it does not know are refused: a typo must not pass silently. */
const KNOWN_PREFIXED = new Set([
  'HUB_DATA_DIR',
  'HUB_RULES_FILE',
  'HUB_PII_KEY',
  'HUB_PII_PREVIOUS_KEYS',
  'HUB_JWT_SECRET',
  'HUB_SIGNING_KEY',
  ...SECRET_FILE_VARIABLES.map((name) => `${name}_FILE`),
  'HUB_FUTURE_TOLERANCE_SECONDS',
  'HUB_LATE_EVENT_DAYS',
  'HUB_CRYPTO_SUITE',
  'HUB_SIGNATURES_REQUIRED',
  'HUB_AUDIT_RETENTION_DAYS',
  'HUB_SHANGHAI_BIMONTHLY',
  'HUB_SECURE_COOKIES',
  'HUB_TRUST_PROXY',
]);

/** Variables whose values never appear in a message or a log line. */
const SECRETS = new Set([
  'HUB_PII_KEY',
  'HUB_PII_PREVIOUS_KEYS',
  'HUB_JWT_SECRET',
  'HUB_SIGNING_KEY',
  'KAFKA_SASL_PASSWORD',
]);

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** Server mode without a key that every process must share: the hub does not start. */
export class ServerKeyMissingError extends Error {
  readonly code = 'SERVER_KEY_MISSING';
}

/** The secrets given as files (`HUB_PII_KEY_FILE` …) read into their variables. */
function withSecretFiles(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const name of SECRET_FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name])
      throw new ConfigError(`${name} and ${name}_FILE are both set: give the key one way only`);
    try {
      resolved[name] = readFileSync(isAbsolute(file) ? file : resolve(cwd, file), 'utf8').trim();
    } catch (error) {
      throw new ConfigError(
        `${name}_FILE=${JSON.stringify(file)} cannot be read: ${(error as Error).message}`,
      );
    }
  }
  return resolved;
}

/** In server mode (DATABASE_URL) every shared key must be configured, never made per process. */
function requireServerKeys(config: z.infer<typeof ConfigSchema>): void {
  if (!config.DATABASE_URL) return;
  const missing = SECRET_FILE_VARIABLES.filter((name) => !config[name]);
  if (missing.length === 0) return;
  const names = missing.map((name) => `${name}（或 ${name}_FILE）`).join('、');
  throw new ServerKeyMissingError(
    `服务器模式（已设置 DATABASE_URL）必须配置 ${names}：各进程须使用同一密钥，不能各自生成 / ` +
      `server mode (DATABASE_URL is set) needs ${missing.join(', ')} (or ${missing.map((n) => `${n}_FILE`).join(', ')}): every process must hold the same key, none may make its own`,
  );
}

/** Parses the environment once, naming each variable that is wrong. */
export function loadConfig(given: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): HubConfig {
  const unknown = Object.keys(given).filter((k) => k.startsWith('HUB_') && !KNOWN_PREFIXED.has(k));
  if (unknown.length > 0)
    throw new ConfigError(`unknown configuration variable(s): ${unknown.join(', ')}`);
  const env = withSecretFiles(given, cwd);
  const relevant = Object.fromEntries(
    Object.keys(ConfigSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = ConfigSchema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) =>
        `${i.path.join('.')}=${SECRETS.has(String(i.path[0])) ? '(secret, not shown)' : JSON.stringify(relevant[String(i.path[0])])}: ${i.message}`,
    );
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  if (parsed.data.EVENT_STORE === 'eventstoredb' && !parsed.data.EVENTSTORE_URL) {
    throw new ConfigError(
      'EVENT_STORE=eventstoredb needs EVENTSTORE_URL (e.g. esdb://node1:2113,node2:2113,node3:2113?tls=true)',
    );
  }
  if (parsed.data.EVENT_STORE === 'postgres' && !parsed.data.DATABASE_URL) {
    throw new ConfigError(
      'EVENT_STORE=postgres needs DATABASE_URL (e.g. postgres://hub@db:5432/hub): the events and the read models live there',
    );
  }
  requireServerKeys(parsed.data);
  if (
    parsed.data.KAFKA_SASL_MECHANISM &&
    !(parsed.data.KAFKA_SASL_USERNAME && parsed.data.KAFKA_SASL_PASSWORD)
  ) {
    throw new ConfigError('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
  }
  if (parsed.data.KAFKA_SSL_CA_FILE && parsed.data.KAFKA_SSL !== 'true') {
    throw new ConfigError('KAFKA_SSL_CA_FILE needs KAFKA_SSL=true');
  }
  const dataDir = isAbsolute(parsed.data.HUB_DATA_DIR)
    ? parsed.data.HUB_DATA_DIR
    : resolve(cwd, parsed.data.HUB_DATA_DIR);
  return { ...parsed.data, dataDir };
}

/** Bounds on decompressing rosters and exports (HTTP and CLI alike). */
export function xlsxLimitsOf(config: HubConfig): XlsxLimits {
  return {
    ...DEFAULT_XLSX_LIMITS,
    maxBytes: parseSize(config.ROSTER_LIMIT),
    maxSharedStringsBytes: parseSize(config.XLSX_SHARED_STRINGS_LIMIT),
    maxRatio: config.MAX_INFLATE_RATIO,
  };
}

/** The hub's time for events being recorded, with the configured clock-skew tolerance. */
export function recordingClockOf(config: HubConfig): () => RecordingClock {
  const policy = { futureToleranceMs: config.HUB_FUTURE_TOLERANCE_SECONDS * 1000 };
  return () => clockAt(new Date(), policy);
}

/** A connection string without its credentials, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** The agencies that must sign their batches, as HUB_SIGNATURES_REQUIRED names them. */
export const signaturesRequiredOf = (config: HubConfig): string[] =>
  (config.HUB_SIGNATURES_REQUIRED ?? '').split(',').filter(Boolean);
