/**
 * HTTP load from a process of its own, so the server under test keeps its CPU:
 * `node graphql-load-worker.js <url> <token> <clients> <seconds>` with the query on stdin;
 * prints `{ p50, p99, rate }`.
 */
import { readFileSync } from 'node:fs';

const [url, token, clients, seconds] = process.argv.slice(2) as [string, string, string, string];
const query = readFileSync(0, 'utf8');
const latencies: number[] = [];
const deadline = Date.now() + Number(seconds) * 1000;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: Number(clients) }, async () => {
    while (Date.now() < deadline) {
      const t = process.hrtime.bigint();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }),
);
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
process.stdout.write(
  `${JSON.stringify({ p50: at(0.5), p99: at(0.99), rate: Math.round(latencies.length / elapsed) })}\n`,
);
