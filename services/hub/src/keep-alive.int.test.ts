/**
 * The hub keeps an idle keep-alive connection open longer than its clients keep theirs, so a
 * request sent on a connection it has left idle for a while is answered, not cut ("other side
 * closed": an e2e test met it after a CLI run held its client's event loop for seconds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from './config.js';
import { startHub, type RunningHub } from './compose.js';

const IDLE_MS = 6_000;

/** Two requests on one connection, IDLE_MS apart: the second's status line, or 'closed'. */
async function askTwice(port: number): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('close', () => (closed = true));
  const request = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';
  const answers: string[] = [];
  for (const wait of [0, IDLE_MS]) {
    await new Promise((r) => setTimeout(r, wait));
    received = '';
    if (closed) {
      answers.push('closed');
      continue;
    }
    socket.write(request);
    for (let i = 0; i < 100 && !received.includes('\r\n\r\n') && !closed; i++)
      await new Promise((r) => setTimeout(r, 20));
    answers.push(received.split('\r\n')[0] || 'closed');
  }
  socket.destroy();
  return answers;
}

let dataDir: string;
let hub: RunningHub;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hub-keep-alive-'));
  const config = loadConfig(
    { HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', SCREENING_THREADS: '0' },
    dataDir,
  );
  hub = await startHub(config, pino({ level: 'silent' }));
});

afterAll(async () => {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('answers a request on a connection left idle for seconds', async () => {
  const port = Number(new URL(hub.url).port);
  expect(await askTwice(port)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
}, 20_000);

it("positive control: a server with Node's default (5 s) has closed it by then", async () => {
  const plain: Server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  try {
    const { port } = plain.address() as AddressInfo;
    expect(await askTwice(port)).toEqual(['HTTP/1.1 200 OK', 'closed']);
  } finally {
    await new Promise((r) => plain.close(r));
  }
}, 20_000);
