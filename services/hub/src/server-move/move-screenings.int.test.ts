/**
 * `hub migrate to-postgres` moves an embedded hub's finished screenings, with their results,
 * into PostgreSQL as they were; screenings cut off while running stay behind.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EMPTY_SUMMARY,
  PostgresScreeningJobStore,
  SqliteScreeningJobStore,
  type ScreenedLines,
  type ScreeningSummary,
} from '@hub/certificates';
import { createTestDatabase } from '@hub/event-store-postgres';
import { moveScreenings } from './move-screenings.js';

const adminUrl = process.env.TEST_POSTGRES_URL;

/** 3,000 result lines with Chinese text: several chunks at 4 KiB, a character across a cut. */
async function* manyLines(): AsyncGenerator<ScreenedLines, ScreeningSummary> {
  for (let i = 0; i < 3000; i++)
    yield { text: `{"line":${i + 2},"result":"valid","name":"张三${i}"}\n`, rows: 1 };
  return { ...EMPTY_SUMMARY, rows: 3000, byResult: { valid: 3000 } };
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(Buffer.from(p as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

(adminUrl ? describe : describe.skip)(
  `moving screenings into PostgreSQL${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let dir: string;
    beforeAll(async () => {
      db = await createTestDatabase(adminUrl!, 'hubstate_movescreen');
      dir = mkdtempSync(join(tmpdir(), 'hub-move-screenings-'));
    });
    afterAll(async () => {
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('moves finished screenings as they were, results byte for byte; running ones stay; a second move changes nothing', async () => {
      const embedded = new SqliteScreeningJobStore(join(dir, 'hub.db'), join(dir, 'screenings'));
      await embedded.create({ id: 'SCR-DONE', agency: 'construction', purpose: '自查名单比对' });
      await embedded.writeResults('SCR-DONE', manyLines());
      await embedded.finish('SCR-DONE', {
        ...EMPTY_SUMMARY,
        rows: 3000,
        byResult: { valid: 3000 },
      });
      await embedded.create({ id: 'SCR-FAILED', agency: 'market', purpose: '名单比对' });
      await embedded.finish('SCR-FAILED', EMPTY_SUMMARY, '文件无法读取 / unreadable file');
      await embedded.create({ id: 'SCR-RUN', agency: 'market', purpose: '名单比对' });
      const before = (await embedded.get('SCR-DONE'))!;
      await embedded.close();
      const file = readFileSync(join(dir, 'screenings', 'SCR-DONE.jsonl'), 'utf8');

      const server = new PostgresScreeningJobStore({ connectionString: db.url, chunkBytes: 4096 });
      try {
        // Control: nothing of it in PostgreSQL before the move.
        expect(await server.get('SCR-DONE')).toBeUndefined();
        expect(await moveScreenings(db.url, dir)).toEqual({
          moved: 2,
          alreadyThere: 0,
          running: 1,
        });
        expect(await server.get('SCR-DONE')).toEqual(before);
        expect(await text(await server.readResults('SCR-DONE'))).toBe(file);
        expect(file.split('\n')).toHaveLength(3001);
        const failed = await server.get('SCR-FAILED');
        expect([failed?.status, failed?.error]).toEqual([
          'failed',
          '文件无法读取 / unreadable file',
        ]);
        expect(await text(await server.readResults('SCR-FAILED'))).toBe('');
        expect(await server.get('SCR-RUN')).toBeUndefined();

        expect(await moveScreenings(db.url, dir)).toEqual({
          moved: 0,
          alreadyThere: 2,
          running: 1,
        });
        expect(await text(await server.readResults('SCR-DONE'))).toBe(file);
        // Moved screenings are deleted like any other when their purpose is served.
        expect(await server.delete({ ids: ['SCR-DONE'] })).toEqual(['SCR-DONE']);
      } finally {
        await server.close();
      }
    });
  },
);
