import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { inspection } from '@hub/domain/testing';
import {
  createTokens,
  HUB_MAIN,
  hubCli,
  startBridgeProcess,
  startHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

/** Runs a CLI command that should end by itself; one that runs on (a second hub) is killed. */
function hubCliWithin(args: string[], env: Record<string, string>, timeoutMs = 15_000) {
  const result = spawnSync(process.execPath, [HUB_MAIN, ...args], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, signal: result.signal, stderr: result.stderr };
}

/** Runs a CLI command without blocking this process, so requests can go on beside it. */
async function hubCliAsync(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [HUB_MAIN, ...args], {
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stdout, stderr };
}

async function exitOf(hub: HubProcess): Promise<{ code: number | null; signal: string | null }> {
  if (hub.child.exitCode !== null || hub.child.signalCode !== null)
    return { code: hub.child.exitCode, signal: hub.child.signalCode };
  const [code, signal] = (await once(hub.child, 'exit')) as [number | null, string | null];
  return { code, signal };
}

/** A node:http request (fetch cannot send half a body and wait). */
function startRequest(url: string, token: string, body: string) {
  const target = new URL('/v1/events', url);
  const req = request(target, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${token}`,
      'Content-Length': Buffer.byteLength(body),
    },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  return { req, answered };
}

jest.setTimeout(120_000);

describe('operating the hub', () => {
  let dataDir: string;
  const running: HubProcess[] = [];
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    for (const hub of running.splice(0)) {
      if (hub.child.exitCode === null && hub.child.signalCode === null) {
        hub.child.kill('SIGKILL');
        await once(hub.child, 'exit');
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('two hubs on one data directory', () => {
    it('refuses the second hub with exit 2, naming the directory and the PID of the first', async () => {
      const first = await startHubProcess({ HUB_DATA_DIR: dataDir });
      running.push(first);
      const second = hubCliWithin(['start'], { HUB_DATA_DIR: dataDir });
      expect(second.signal).toBeNull();
      expect(second.status).toBe(2);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stderr).toContain(dataDir);
      expect(second.stderr).toContain(`PID ${first.child.pid}`);
      expect(second.stderr).not.toMatch(/\n\s+at /);
    });

    it('starts again on the same directory after the first was killed with kill -9', async () => {
      const first = await startHubProcess({ HUB_DATA_DIR: dataDir });
      running.push(first);
      first.child.kill('SIGKILL');
      await exitOf(first);
      const again = await startHubProcess({ HUB_DATA_DIR: dataDir });
      running.push(again);
      expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    });

    it('lets the short commands run beside a running hub: token, demo, report, projections status', async () => {
      const hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
      running.push(hub);
      const env = { HUB_DATA_DIR: dataDir };
      expect(
        hubCli(['token', 'create', '--agency', 'emergency', '--units', '310000'], env).status,
      ).toBe(0);
      expect(hubCli(['demo'], env).status).toBe(0);
      const report = hubCli(
        ['report', 'shanghai-2024', '--unit', '310000', '--period', '2024-08'],
        env,
      );
      expect(report.stderr).toBe('');
      expect(report.status).toBe(0);
      expect(hubCli(['projections', 'status'], env).status).toBe(0);
    });

    it('refuses a second Kafka bridge on the directory, but lets a hub without Kafka run beside one', async () => {
      // The lock is taken before any broker is reached: an unreachable one will do.
      const kafka = { HUB_DATA_DIR: dataDir, KAFKA_BROKERS: '127.0.0.1:1' };
      const bridge = await startBridgeProcess(kafka);
      running.push(bridge);
      const second = hubCliWithin(['bridge'], kafka);
      expect(second.status).toBe(2);
      expect(second.stderr).toContain(`PID ${bridge.child.pid}`);
      expect(hubCliWithin(['start'], kafka).status).toBe(2);
      const hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
      running.push(hub);
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    });
  });

  describe('projections rebuild beside a running hub', () => {
    it('rebuilds every time, with no "database is locked", conflict or stack trace', async () => {
      const { emergency } = createTokens(dataDir, ['emergency'] as const);
      const hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
      running.push(hub);
      const publish = async (from: number, count: number) => {
        const events = Array.from({ length: count }, (_, i) => inspection(`INS-R-${from + i}`));
        const res = await fetch(`${hub.url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
          body: JSON.stringify({ events }),
        });
        expect(res.status).toBe(201);
      };
      for (let i = 0; i < 8; i++) await publish(i * 1000, 1000);
      const env = { HUB_DATA_DIR: dataDir };
      for (const [round, name] of [
        'statistics',
        'inspection-outcomes',
        'statistics',
        'agency-activity',
        'statistics',
        'inspection-outcomes',
      ].entries()) {
        // Events keep arriving meanwhile, and the hub keeps projecting them.
        const [rebuild] = await Promise.all([
          hubCliAsync(['projections', 'rebuild', name], env),
          publish(10_000 + round * 100, 100),
        ]);
        expect(rebuild.stderr).toBe('');
        expect(rebuild.status).toBe(0);
        expect(rebuild.stdout).toMatch(new RegExp(`rebuilt ${name} from \\d+ events`));
      }
    });
  });

  describe('SIGTERM', () => {
    it('finishes the request in flight, takes no new connection, and exits 0', async () => {
      const { emergency } = createTokens(dataDir, ['emergency'] as const);
      // As deployed: Apollo installs its own signal handlers unless NODE_ENV is "test".
      const hub = await startHubProcess({ HUB_DATA_DIR: dataDir, NODE_ENV: 'production' });
      running.push(hub);
      const body = JSON.stringify({ events: [inspection('INS-SIGTERM')] });
      const inFlight = startRequest(hub.url, emergency, body);
      // Half the body now, the rest after the signal: the request is in flight throughout.
      inFlight.req.write(body.slice(0, 40));
      await new Promise((r) => setTimeout(r, 200));
      hub.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 600));
      await expect(fetch(`${hub.url}/healthz`)).rejects.toThrow();
      inFlight.req.end(body.slice(40));
      const answer = await inFlight.answered;
      expect(answer.status).toBe(201);
      expect(await exitOf(hub)).toEqual({ code: 0, signal: null });
    });

    it('stops hub bridge with exit 0 within seconds while its broker is unreachable', async () => {
      const bridge = await startBridgeProcess({
        HUB_DATA_DIR: dataDir,
        KAFKA_BROKERS: '127.0.0.1:1',
      });
      running.push(bridge);
      await new Promise((r) => setTimeout(r, 500));
      const started = Date.now();
      bridge.child.kill('SIGTERM');
      const exit = await Promise.race([
        exitOf(bridge),
        new Promise((r) => setTimeout(() => r('still running after 8 s'), 8000)),
      ]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(8000);
    });
  });
});
