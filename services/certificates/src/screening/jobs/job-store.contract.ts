import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ScreenedLines, ScreeningSummary } from '../screen-roster.js';
import {
  EMPTY_SUMMARY,
  OWNER_STOPPED,
  type JobStoreOptions,
  type ScreeningJobStore,
} from './job-store.js';

/** Options a fixture passes on; `chunkBytes` matters only where results are kept in chunks. */
export type ContractOptions = JobStoreOptions & { chunkBytes?: number };

/** What a screening job store holds to, whatever keeps it: one suite every adapter passes. */
export interface JobStoreFixture {
  /** A fresh, empty store. */
  open(options?: ContractOptions): Promise<ScreeningJobStore>;
  /** Another handle on the store open() made last, as another process (or a restart) holds. */
  reopen(options?: ContractOptions): Promise<ScreeningJobStore>;
}

/** Results are cut into chunks of this many bytes where the adapter chunks them. */
const CHUNK = 64;

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Buffer));
  return Buffer.concat(parts);
}

async function* screened(texts: string[]): AsyncGenerator<ScreenedLines, ScreeningSummary> {
  for (const text of texts) yield { text, rows: text.split('\n').length - 1 };
  return { ...EMPTY_SUMMARY, rows: texts.join('').split('\n').length - 1 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const job = (id: string, purpose = '用人单位自查名单比对') => ({
  id,
  agency: 'construction' as const,
  purpose,
});

export function jobStoreContract(fixture: JobStoreFixture): void {
  let stores: ScreeningJobStore[] = [];
  const open = async (o: ContractOptions = {}) => (
    stores.push(await fixture.open({ chunkBytes: CHUNK, ...o })),
    stores.at(-1)!
  );
  const reopen = async (o: ContractOptions = {}) => (
    stores.push(await fixture.reopen({ chunkBytes: CHUNK, ...o })),
    stores.at(-1)!
  );
  afterEach(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    stores = [];
  });

  it('create is idempotent: a retry returns false and keeps the first job, on any process', async () => {
    const a = await open();
    expect(await a.create({ ...job('SCR-1'), caseId: 'K-1' })).toBe(true);
    expect(await a.create(job('SCR-1', '另一个目的'))).toBe(false);
    const b = await reopen();
    expect(await b.create(job('SCR-1', '第三个目的'))).toBe(false);
    expect(await b.get('SCR-1')).toMatchObject({
      id: 'SCR-1',
      purpose: '用人单位自查名单比对',
      caseId: 'K-1',
      status: 'running',
      rows: 0,
    });
    expect(await a.get('SCR-2')).toBeUndefined();
  });

  it('progress and finish: the summary is kept, a retried finish stands, a finished job never runs again', async () => {
    const a = await open();
    await a.create(job('SCR-1'));
    await a.progress('SCR-1', { ...EMPTY_SUMMARY, rows: 10_000 });
    expect((await a.get('SCR-1'))?.rows).toBe(10_000);
    const summary = {
      rows: 3,
      rejectedRows: 1,
      negativeRows: 1,
      anomalies: 0,
      byResult: { valid: 1 },
    };
    expect(await a.finish('SCR-1', summary)).toBe(true);
    expect(await a.finish('SCR-1', summary)).toBe(true);
    const done = await a.get('SCR-1');
    expect(done).toMatchObject({ status: 'done', ...summary });
    expect(done?.finishedAt).toBeDefined();
    await expect(a.progress('SCR-1', EMPTY_SUMMARY)).rejects.toMatchObject({
      code: 'SCREENING_JOB_LOST',
    });
    expect(await a.create(job('SCR-1'))).toBe(false);
    expect((await a.get('SCR-1'))?.status).toBe('done');
  });

  it('results round-trip byte for byte over several chunks, Chinese text split across a chunk boundary', async () => {
    const a = await open();
    await a.create(job('SCR-1'));
    // '张' takes bytes 63..65: the first chunk ends inside it.
    const first = `${'a'.repeat(62)}\n张三 持证人不符\n`;
    expect(Buffer.from(first)[CHUNK]! & 0xc0).toBe(0x80);
    const texts = [
      first,
      ...Array.from(
        { length: 6 },
        (_, i) =>
          `{"line":${i + 2},"holderMasked":"李*${i}","result":"valid","证":"特种作业操作证"}\n`,
      ),
    ];
    const summary = await a.writeResults('SCR-1', screened(texts));
    expect(summary.rows).toBe(8);
    expect(await a.finish('SCR-1', summary)).toBe(true);
    const expected = Buffer.from(texts.join(''));
    expect(expected.length).toBeGreaterThan(3 * CHUNK);
    expect((await bytesOf(await a.readResults('SCR-1'))).equals(expected)).toBe(true);
    // Read through another process, line by line (as the API pages them).
    const b = await reopen();
    const lines: string[] = [];
    for await (const line of createInterface({ input: await b.readResults('SCR-1') }))
      lines.push(line);
    expect(lines).toEqual(texts.join('').trimEnd().split('\n'));
    expect(lines[1]).toBe('张三 持证人不符');
  });

  it('a failed job keeps no results', async () => {
    const a = await open();
    await a.create(job('SCR-F'));
    await a.create(job('SCR-OK'));
    const text = `${'x'.repeat(200)}\n`;
    await a.writeResults('SCR-F', screened([text]));
    await a.writeResults('SCR-OK', screened([text]));
    expect(await a.finish('SCR-F', EMPTY_SUMMARY, '比对未能记录 / not on record')).toBe(true);
    expect(await a.finish('SCR-OK', { ...EMPTY_SUMMARY, rows: 1 })).toBe(true);
    expect(await a.get('SCR-F')).toMatchObject({
      status: 'failed',
      error: '比对未能记录 / not on record',
    });
    expect((await bytesOf(await a.readResults('SCR-F'))).length).toBe(0);
    // Positive control: the same results of a job that finished are there.
    expect((await bytesOf(await a.readResults('SCR-OK'))).toString()).toBe(text);
  });

  it('two processes on one store see each other’s jobs and results', async () => {
    const a = await open();
    const b = await reopen();
    await a.create(job('SCR-A'));
    await b.create(job('SCR-B'));
    expect((await b.get('SCR-A'))?.status).toBe('running');
    expect((await a.get('SCR-B'))?.status).toBe('running');
    const summary = await b.writeResults('SCR-B', screened(['{"line":2}\n']));
    await b.finish('SCR-B', summary);
    expect(await a.get('SCR-B')).toMatchObject({ status: 'done', rows: 1 });
    expect((await bytesOf(await a.readResults('SCR-B'))).toString()).toBe('{"line":2}\n');
  });

  it('a job of a live owner is not failed by another process starting; one whose heartbeat is stale is, and its owner cannot finish it', async () => {
    let now = Date.parse('2026-12-01T08:00:00Z');
    const clock = () => now;
    // No timer beats in this test: the clock alone says how old a heartbeat is.
    const a = await open({ now: clock, heartbeatMs: 3_600_000, staleMs: 30_000 });
    await a.create(job('SCR-1'));
    await a.writeResults('SCR-1', screened(['{"line":2}\n']));
    now += 20_000;
    const b = await reopen({ now: clock, heartbeatMs: 3_600_000, staleMs: 30_000 });
    expect((await b.get('SCR-1'))?.status).toBe('running');
    // The owner reports progress (a heartbeat); later another process starts again.
    await a.progress('SCR-1', { ...EMPTY_SUMMARY, rows: 1 });
    now += 20_000;
    const c = await reopen({ now: clock, heartbeatMs: 3_600_000, staleMs: 30_000 });
    expect((await c.get('SCR-1'))?.status).toBe('running');
    // Positive control: 31 s without a heartbeat, and the job is reported failed.
    now += 11_000;
    expect(await c.get('SCR-1')).toMatchObject({ status: 'failed', error: OWNER_STOPPED });
    // The owner that lost it can neither go on nor put results beside the failure.
    await expect(a.progress('SCR-1', EMPTY_SUMMARY)).rejects.toMatchObject({
      code: 'SCREENING_JOB_LOST',
    });
    expect(await a.finish('SCR-1', { ...EMPTY_SUMMARY, rows: 1 })).toBe(false);
    expect(await b.get('SCR-1')).toMatchObject({ status: 'failed', error: OWNER_STOPPED });
    expect((await bytesOf(await b.readResults('SCR-1'))).length).toBe(0);
    expect(await a.create(job('SCR-1'))).toBe(false);
    expect((await a.get('SCR-1'))?.status).toBe('failed');
  });

  it('a process restarting under its node fails the jobs its earlier run left; another node does not', async () => {
    const a = await open({ node: 'hub', instanceId: 'run-1' });
    await a.create(job('SCR-1'));
    const other = await reopen({ node: 'elsewhere', instanceId: 'run-x' });
    expect((await other.get('SCR-1'))?.status).toBe('running');
    const again = await reopen({ node: 'hub', instanceId: 'run-2' });
    expect(await again.get('SCR-1')).toMatchObject({ status: 'failed', error: OWNER_STOPPED });
    // Positive control of the owner's side: its own instance still owns a new job.
    const own = await reopen({ node: 'hub', instanceId: 'run-3' });
    await own.create(job('SCR-2'));
    expect((await own.get('SCR-2'))?.status).toBe('running');
  });

  it('heartbeats keep a long job alive; when its process stops beating it is failed', async () => {
    const a = await open({ heartbeatMs: 50, staleMs: 400 });
    await a.create(job('SCR-LONG'));
    const b = await reopen({ heartbeatMs: 50, staleMs: 400 });
    for (let i = 0; i < 4; i++) {
      await sleep(250);
      expect((await b.get('SCR-LONG'))?.status).toBe('running');
    }
    // Positive control: the owner stops (closed, as if killed) without finishing.
    await a.close();
    await sleep(700);
    expect(await b.get('SCR-LONG')).toMatchObject({ status: 'failed', error: OWNER_STOPPED });
  });

  it('deleting finished jobs takes their results, by id or by when they finished; running jobs stay', async () => {
    let now = Date.parse('2026-11-01T00:00:00Z');
    const a = await open({ now: () => now, heartbeatMs: 3_600_000, staleMs: 3_600_000 });
    for (const id of ['SCR-OLD', 'SCR-NAMED', 'SCR-NEW', 'SCR-RUN']) {
      await a.create(job(id));
      await a.writeResults(id, screened([`{"job":"${id}"}\n`]));
      if (id !== 'SCR-RUN') await a.finish(id, { ...EMPTY_SUMMARY, rows: 1 });
      now += 60_000;
    }
    const cutoff = new Date(Date.parse('2026-11-01T00:00:30Z')).toISOString();
    const b = await reopen({ now: () => now, heartbeatMs: 3_600_000, staleMs: 3_600_000 });
    expect(
      (await b.delete({ ids: ['SCR-NAMED', 'SCR-RUN'], finishedBefore: cutoff })).sort(),
    ).toEqual(['SCR-NAMED', 'SCR-OLD']);
    expect(await a.get('SCR-OLD')).toBeUndefined();
    expect((await bytesOf(await a.readResults('SCR-NAMED'))).length).toBe(0);
    // Positive control: the job finished later and the running one keep their results.
    expect((await a.get('SCR-NEW'))?.status).toBe('done');
    expect((await bytesOf(await a.readResults('SCR-NEW'))).toString()).toBe('{"job":"SCR-NEW"}\n');
    expect((await a.get('SCR-RUN'))?.status).toBe('running');
    expect(await b.delete({ ids: ['SCR-NAMED'] })).toEqual([]);
  });
}
