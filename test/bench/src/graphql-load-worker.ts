/**
 * HTTP load from a process of its own, so the server under test keeps its CPU:
 * `node graphql-load-worker.js <url> <clients> <seconds>` with a JSON list of
 * `{ token, query }` on stdin (several viewers, units and periods; each client walks the list
 * from its own place); prints `{ p50, p99, rate }`. Plain node:http with keep-alive: the lightest client there is,
 * so the figures are the server's, not the load generator's.
 */
import { Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { postJson } from './post-json.js';

const [url, clients, seconds] = process.argv.slice(2) as [string, string, string];
const requests = (
  JSON.parse(readFileSync(0, 'utf8')) as Array<{ token: string; query: string }>
).map((r) => ({ token: r.token, body: JSON.stringify({ query: r.query }) }));
const agent = new Agent({ keepAlive: true, maxSockets: Number(clients) });
const target = new URL(url);

async function post(n: number): Promise<void> {
  const { token, body } = requests[n % requests.length]!;
  const { status, text } = await postJson(agent, target, token, body);
  if (status !== 200 || text.includes('"errors"')) throw new Error(text.slice(0, 500));
}

const latencies: number[] = [];
const deadline = Date.now() + Number(seconds) * 1000;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: Number(clients) }, async (_, client) => {
    for (let n = client; Date.now() < deadline; n++) {
      const t = process.hrtime.bigint();
      await post(n);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }),
);
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
process.stdout.write(
  `${JSON.stringify({ p50: at(0.5), p99: at(0.99), rate: Math.round(latencies.length / elapsed) })}\n`,
);
