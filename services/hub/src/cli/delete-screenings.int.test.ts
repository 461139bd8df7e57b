/**
 * `hub certificates delete-screenings`: finished screenings and their results go, in hub.db
 * and files on an embedded hub and in PostgreSQL in server mode; running ones stay.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_SUMMARY, type ScreenedLines, type ScreeningSummary } from '@hub/certificates';
import { createTestDatabase } from '@hub/event-store-postgres';
import { loadConfig, type HubConfig } from '../config.js';
import { openAuditLog, openScreeningJobs } from '../compose.js';
import { certificatesCommand } from './certificates-commands.js';

async function* oneLine(): AsyncGenerator<ScreenedLines, ScreeningSummary> {
  yield { text: '{"line":2,"result":"valid"}\n', rows: 1 };
  return { ...EMPTY_SUMMARY, rows: 1 };
}

/** Jobs finished on 10 and 20 November (Shanghai), and one running now. */
async function seed(config: HubConfig) {
  let fake: number | undefined = Date.parse('2026-11-10T09:00:00+08:00');
  const jobs = openScreeningJobs(config, { now: () => fake ?? Date.now() });
  for (const id of ['SCR-10', 'SCR-20', 'SCR-RUN']) {
    if (id === 'SCR-RUN') fake = undefined;
    await jobs.create({ id, agency: 'construction', purpose: '用人单位自查名单比对' });
    await jobs.writeResults(id, oneLine());
    if (id !== 'SCR-RUN') await jobs.finish(id, { ...EMPTY_SUMMARY, rows: 1 });
    if (fake) fake += 10 * 86_400_000;
  }
  // Left open, as a live hub's, beating for its running job.
  return jobs;
}

async function run(config: HubConfig, flags: Record<string, string>) {
  const lines: string[] = [];
  await certificatesCommand(config, ['delete-screenings'], flags, (l) => lines.push(l));
  return lines;
}

function behaviour(config: () => HubConfig) {
  it('deletes screenings finished before a day, then one by id; running ones and later ones stay', async () => {
    const live = await seed(config());
    try {
      const first = await run(config(), { before: '2026-11-15' });
      expect(first).toContain('SCR-10');
      expect(first.at(-1)).toMatch(/^已删除 1 项.* deleted 1 finished/);
      const jobs = openScreeningJobs(config());
      try {
        expect(await jobs.get('SCR-10')).toBeUndefined();
        // Positive control: the later one and the running one are still there, with results.
        expect((await jobs.get('SCR-20'))?.status).toBe('done');
        expect((await jobs.get('SCR-RUN'))?.status).toBe('running');
        expect((await run(config(), { id: 'SCR-20,SCR-RUN' })).slice(0, -1)).toEqual(['SCR-20']);
        expect(await jobs.get('SCR-20')).toBeUndefined();
        expect((await jobs.get('SCR-RUN'))?.status).toBe('running');
      } finally {
        await jobs.close();
      }
      // Each deletion is on the audit record: what went, and on which command.
      const log = openAuditLog(config());
      const { records } = await log.query({ action: 'screening.delete' }, { first: 10 });
      await log.close();
      expect(
        records
          .map((r) => [
            r.subject.count,
            r.subject.args?.ids,
            r.subject.args?.before,
            r.result.outcome,
          ])
          .sort(),
      ).toEqual([
        [1, 'SCR-10', '2026-11-15', 'ok'],
        [1, 'SCR-20', undefined, 'ok'],
      ]);
    } finally {
      await live.close();
    }
  });

  it('refuses to run without --before or --id, or with a date that is not one', async () => {
    await expect(run(config(), {})).rejects.toThrow(/请给出 --before 或 --id/);
    await expect(run(config(), { before: '2026-13-45' })).rejects.toThrow(/不是有效日期/);
    await expect(run(config(), { before: '2026-02-30' })).rejects.toThrow(/不是有效日期/);
    // Control: the last day of that month is one.
    await expect(run(config(), { before: '2026-02-28' })).resolves.toContainEqual(
      expect.stringMatching(/^已删除 0 项/),
    );
    await expect(run(config(), { before: '15/11/2026' })).rejects.toThrow(/YYYY-MM-DD/);
  });
}

describe('hub certificates delete-screenings, embedded', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-delete-screenings-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const config = () => loadConfig({ HUB_DATA_DIR: dir, LOG_LEVEL: 'silent' }, dir);
  behaviour(config);

  it('removes the results file with the job', async () => {
    const live = await seed(config());
    await live.close();
    expect(existsSync(join(dir, 'screenings', 'SCR-10.jsonl'))).toBe(true);
    await run(config(), { id: 'SCR-10' });
    expect(existsSync(join(dir, 'screenings', 'SCR-10.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'screenings', 'SCR-20.jsonl'))).toBe(true);
  });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `hub certificates delete-screenings, server mode${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let dir: string;
    let db: { url: string; drop: () => Promise<void> };
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hub-delete-screenings-'));
      db = await createTestDatabase(adminUrl!, 'hub_delete_screenings');
    });
    afterEach(async () => {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    });
    const config = (): HubConfig => ({
      ...loadConfig({ HUB_DATA_DIR: dir, LOG_LEVEL: 'silent' }, dir),
      DATABASE_URL: db.url,
    });
    behaviour(config);
  },
);
