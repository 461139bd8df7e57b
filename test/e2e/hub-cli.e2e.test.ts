import { rmSync } from 'node:fs';
import { inspection } from '@hub/domain/testing';
import {
  hubCli,
  startHubProcess,
  stopHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

// Each case starts processes of its own: on a loaded machine 5 s is not enough.
jest.setTimeout(30_000);

describe('hub command line', () => {
  let dataDir: string;
  let hub: HubProcess | undefined;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    // Gone before its directory goes: a hub stopping on SIGTERM still writes there.
    if (hub) await stopHubProcess(hub);
    hub = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('start prints the URL, the data directory and how to get a credential in its first lines', async () => {
    hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
    expect(hub.firstLines[0]).toMatch(/^hub listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.firstLines[1]).toBe(`data directory: ${dataDir}`);
    expect(hub.firstLines[2]).toMatch(/token create --agency/);
  });

  it('token create prints the token alone on the last line, and it publishes; revoked, it does not', async () => {
    const created = hubCli(['token', 'create', '--agency', 'emergency', '--units', '310000'], {
      HUB_DATA_DIR: dataDir,
    });
    expect(created.status).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const token = lines[lines.length - 1]!;
    expect(token).toMatch(/^hub_emergency_[A-Za-z0-9_-]{43}$/);
    const tokenId = /credential (\w+)/.exec(lines[0]!)![1]!;

    hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
    const publish = () =>
      fetch(`${hub!.url}/v1/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ events: [inspection(`I-${Math.random()}`)] }),
      });
    expect((await publish()).status).toBe(201);
    expect(hubCli(['token', 'revoke', tokenId], { HUB_DATA_DIR: dataDir }).status).toBe(0);
    expect((await publish()).status).toBe(401);
  });

  it('demo loads a campaign once; loading it again writes nothing', () => {
    const first = hubCli(['demo'], { HUB_DATA_DIR: dataDir });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/0 already there/);
    const again = hubCli(['demo'], { HUB_DATA_DIR: dataDir });
    expect(again.stdout).toMatch(/新写入 0，已存在 \d+/);
    expect(again.stdout).toMatch(/\(0 appends written/);
  });

  it('refuses malformed configuration naming the variable', () => {
    const result = hubCli(['demo'], { HUB_DATA_DIR: dataDir, PORT: 'eighty' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/PORT="eighty"/);
    expect(hubCli(['demo'], { HUB_DATA_DIR: dataDir, HUB_DATADIR: 'x' }).stderr).toMatch(
      /unknown configuration variable\(s\): HUB_DATADIR/,
    );
  });

  it('refuses to start when the configured EventStoreDB cannot be reached, naming the variable and the address', () => {
    const result = hubCli(['start'], {
      HUB_DATA_DIR: dataDir,
      EVENT_STORE: 'eventstoredb',
      EVENTSTORE_URL: 'kurrentdb://admin:secret@127.0.0.1:1?tls=false',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /EVENTSTORE_URL=kurrentdb:\/\/\*\*\*@127\.0\.0\.1:1\?tls=false cannot be reached/,
    );
    expect(result.stderr).not.toContain('secret');
  });
});
