import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSigningKeyPair } from '@hub/crypto';

export const HUB_MAIN = resolve(__dirname, '../../services/hub/dist/main.js');

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'hub-e2e-'));
}

/**
 * The keys every process of a server-mode hub (DATABASE_URL) must be given alike, fresh for
 * one test: the PII master key, the user-token secret and the hub's signing key.
 */
export function serverKeys(): Record<'HUB_PII_KEY' | 'HUB_JWT_SECRET' | 'HUB_SIGNING_KEY', string> {
  const signing = generateSigningKeyPair('ed25519');
  return {
    HUB_PII_KEY: `k1:${randomBytes(32).toString('base64')}`,
    HUB_JWT_SECRET: randomBytes(32).toString('base64'),
    HUB_SIGNING_KEY: signing.privateKeyPem + signing.publicKeyPem,
  };
}

/** Runs a hub CLI command to completion. */
export function hubCli(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [HUB_MAIN, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface HubProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  firstLines: string[];
  /**
   * Everything the process printed (stdout and stderr) so far, from its first line: a listener
   * a test adds after the start misses lines printed while it started (a lease's first word,
   * or a secret a negative check must not find).
   */
  output(): string;
}

/**
 * Stops a hub process and waits until it has exited (SIGKILL after `graceMs`): a stopping hub
 * still writes its data directory (checkpoints, the lock), so removing the directory before it
 * has exited races with it (ENOTEMPTY).
 */
export async function stopHubProcess(
  p: HubProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 15_000,
): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts `hub bridge` (the Kafka bridge alone) and waits until it says it runs. */
export function startBridgeProcess(env: Record<string, string>): Promise<HubProcess> {
  return spawnUntil(['bridge'], env, /kafka bridge running against (\S+)/, 2);
}

/**
 * Starts the Kafka bridge alone in server mode (DATABASE_URL): `hub bridge`, or `hub start
 * --role bridge` with `asRole`; waits until it answers /healthz, active or standing by.
 */
export function startLeasedBridgeProcess(
  env: Record<string, string>,
  asRole = false,
): Promise<HubProcess> {
  return spawnUntil(
    asRole ? ['start', '--role', 'bridge'] : ['bridge'],
    env,
    /this one answers on (http:\/\/\S+)/,
    3,
  );
}

/** Starts `hub start --role <role>` (server mode) on a free port and waits until it serves. */
export function startRoleProcess(
  role: 'api' | 'projector',
  env: Record<string, string>,
): Promise<HubProcess> {
  return role === 'api'
    ? spawnUntil(['start', '--role', 'api'], env, /hub listening on (http:\/\/\S+)/, 5)
    : spawnUntil(['start', '--role', 'projector'], env, /hub projector on (http:\/\/\S+)/, 1);
}

/** Starts `hub start` on a free port and waits for it to print its URL. */
export function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  return spawnUntil(['start'], env, /hub listening on (http:\/\/\S+)/, 5);
}

function spawnUntil(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  lines: number,
): Promise<HubProcess> {
  const child = spawn(process.execPath, [HUB_MAIN, ...args], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
  });
  let all = '';
  child.stdout.on('data', (chunk: Buffer) => (all += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (all += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    let out = '';
    // Generous: four agents share two cores here, and a start has been seen to take 20 s.
    const timer = setTimeout(() => reject(new Error(`hub did not start: ${out}`)), 45_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match && out.split('\n').length >= lines) {
        clearTimeout(timer);
        resolvePromise({
          child,
          url: match[1]!,
          firstLines: out.split('\n').slice(0, 4),
          output: () => all,
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}: ${out}`)));
  });
}

/**
 * A credential per agency, created with the hub CLI; the token is the last line it prints.
 * `env`: the rest of the hub's configuration (server mode keeps credentials in PostgreSQL).
 */
export function createTokens<A extends string>(
  dataDir: string,
  agencies: readonly A[],
  units = '000000',
  env: Record<string, string> = {},
): Record<A, string> {
  const tokens = {} as Record<A, string>;
  for (const agency of agencies) {
    const created = hubCli(['token', 'create', '--agency', agency, '--units', units], {
      ...env,
      HUB_DATA_DIR: dataDir,
    });
    tokens[agency] = created.stdout.trim().split('\n').pop()!;
  }
  return tokens;
}

/** Waits until /metrics shows every projection caught up with the store. */
export async function waitForProjections(url: string): Promise<void> {
  // /metrics shares one status reading per scrape (200 ms): start after it has expired.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 200; i++) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const lags = [...metrics.matchAll(/^hub_projection_lag_events\{[^}]*\} (\d+)$/gm)];
    if (lags.length >= 4 && lags.every((m) => m[1] === '0')) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('projections did not catch up');
}
