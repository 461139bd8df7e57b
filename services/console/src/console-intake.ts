import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Agency } from '@hub/domain';
import type { Viewer } from '@hub/graphql';
import { parseSize } from '@hub/ingestion';
import type { SessionAuth } from './session-auth.js';
import { ConsoleError, roleForbidden } from './errors.js';

/** One column of a sheet's template, as the page shows it. */
export interface SheetColumn {
  key: string;
  /** The header the template writes (Chinese). */
  header: string;
  /** Other headers accepted for it. */
  aliases: string[];
  required: boolean;
  hintZh?: string;
}

export interface SheetInfo {
  kind: string;
  titleZh: string;
  columns: SheetColumn[];
  /** The sample file of this sheet, if the hub serves one (path under /console/api/intake). */
  sample?: string;
}

export interface SheetProblem {
  line: number;
  column?: string;
  header?: string;
  message: string;
}

export interface SheetIntakeResult {
  rows: number;
  recorded: number;
  alreadyRecorded: number;
  problems: SheetProblem[];
}

/**
 * The hub's spreadsheet intake as the console needs it (services/hub/src/intake supplies it):
 * the console only carries the file there and shows the answer, so there is one recording path.
 */
export interface SheetIntake {
  sheets: readonly SheetInfo[];
  /** Bytes of the sample file of a sheet, if any. */
  sample?(kind: string): Buffer | undefined;
  /** Checks an uploaded workbook before anything is read (throws the error table's errors). */
  check(body: Buffer, format: 'csv' | 'xlsx'): Promise<void>;
  importSheet(input: {
    agency: Agency;
    sheet: string;
    units: readonly string[];
    body: Buffer;
    format: 'csv' | 'xlsx';
    onProgress: (rows: number) => void;
  }): Promise<SheetIntakeResult>;
  /** The message for a file that cannot be read as the sheet (no header, not a workbook …). */
  fileProblem(error: unknown): string | undefined;
}

type Recorder = (
  req: Request,
  viewer: Viewer,
  action: 'events.import',
  subject: { unit?: string; count?: number; format?: string; args?: Record<string, string> },
) => void;

interface Job {
  id: string;
  userId: string;
  agency: Agency;
  sheet: string;
  fileName: string;
  status: 'running' | 'done' | 'failed';
  rows: number;
  result?: SheetIntakeResult;
  error?: string;
  finishedAt?: number;
}

/** Shown on the page; the whole list is in the problem report. */
const MAX_PROBLEMS_SHOWN = 2000;
/** Finished uploads are kept for their report this long, and at most this many. */
const KEEP_MS = 60 * 60_000;
const MAX_JOBS = 200;

const csvCell = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
const csv = (rows: string[][]) =>
  `\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;

/**
 * Officers upload their agency's monthly sheet from the console: the bytes bounded as over
 * HTTP, read and recorded in the background by the hub's intake (rows outside the officer's
 * units refused row by row), progress and the answer polled, the problem report as CSV.
 */
export function intakeRoutes(
  auth: SessionAuth,
  intake: SheetIntake,
  record: Recorder,
  limit = '50mb',
): Router {
  const router = Router();
  const jobs = new Map<string, Job>();
  const officer = async (req: Request) => {
    const s = await auth.signedIn(req);
    if (s.viewer.role !== 'agency_officer' || !s.viewer.agency) throw roleForbidden('上传业务报表');
    return { ...s, agency: s.viewer.agency };
  };
  const wrap =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      handler(req, res).catch(next);
  const sheetOf = (name: unknown) => {
    const sheet = intake.sheets.find((s) => s.kind === name);
    if (!sheet)
      throw new ConsoleError(
        'ACCOUNT_INVALID',
        `请选择报表种类：${intake.sheets.map((s) => s.titleZh).join('、')} / choose the sheet: ${intake.sheets.map((s) => s.kind).join(', ')}`,
      );
    return sheet;
  };
  const jobOf = (id: string, userId: string) => {
    const job = jobs.get(id);
    if (!job || job.userId !== userId)
      throw new ConsoleError(
        'USER_NOT_FOUND',
        '没有您的这次上传（上传结果保留 1 小时），请重新上传 / no upload of yours by that id (kept 1 hour): upload again',
      );
    return job;
  };
  const forget = () => {
    const now = Date.now();
    for (const [id, job] of jobs)
      if ((job.finishedAt && now - job.finishedAt > KEEP_MS) || jobs.size > MAX_JOBS)
        if (job.status !== 'running') jobs.delete(id);
  };

  router.get(
    '/console/api/intake/sheets',
    wrap(async (req, res) => {
      await officer(req);
      res.json(intake.sheets);
    }),
  );

  // The template: the header row of the sheet, to fill in a spreadsheet.
  router.get(
    '/console/api/intake/templates/:sheet',
    wrap(async (req, res) => {
      await officer(req);
      const sheet = sheetOf(String(req.params.sheet).replace(/\.csv$/, ''));
      res
        .type('text/csv; charset=utf-8')
        .attachment(`template-${sheet.kind}.csv`)
        .send(csv([sheet.columns.map((c) => c.header)]));
    }),
  );

  router.get(
    '/console/api/intake/samples/:sheet',
    wrap(async (req, res) => {
      await officer(req);
      const sheet = sheetOf(String(req.params.sheet).replace(/\.csv$/, ''));
      const bytes = intake.sample?.(sheet.kind);
      if (!bytes)
        throw new ConsoleError('USER_NOT_FOUND', '本平台未提供该表的示例文件 / no sample file');
      res.type('text/csv; charset=utf-8').attachment(`events-${sheet.kind}.csv`).send(bytes);
    }),
  );

  router.post(
    '/console/api/intake',
    express.raw({ type: () => true, limit: parseSize(limit) }),
    wrap(async (req, res) => {
      const { viewer, agency } = await officer(req);
      const q = z
        .object({ sheet: z.string(), name: z.string().max(200).optional() })
        .safeParse(req.query);
      const sheet = sheetOf(q.success ? q.data.sheet : undefined);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (body.length === 0)
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          '请选择报表文件（CSV 或 XLSX） / choose the sheet file (CSV or XLSX)',
        );
      const format =
        /spreadsheetml|xlsx/.test(req.header('content-type') ?? '') ||
        body.subarray(0, 2).toString() === 'PK'
          ? 'xlsx'
          : 'csv';
      await intake.check(body, format);
      forget();
      const job: Job = {
        id: `IMP-${randomUUID()}`,
        userId: viewer.userId,
        agency,
        sheet: sheet.kind,
        fileName: (q.success ? q.data.name : undefined) ?? `${sheet.kind}.${format}`,
        status: 'running',
        rows: 0,
      };
      jobs.set(job.id, job);
      record(req, viewer, 'events.import', {
        format,
        args: { sheet: sheet.kind, importId: job.id },
      });
      void intake
        .importSheet({
          agency,
          sheet: sheet.kind,
          units: viewer.units ?? [],
          body,
          format,
          onProgress: (rows) => void (job.rows = rows),
        })
        .then((result) => Object.assign(job, { status: 'done', rows: result.rows, result }))
        .catch((error: unknown) =>
          Object.assign(job, {
            status: 'failed',
            error:
              intake.fileProblem(error) ??
              '读取或记录时出错，已记录的行不会重复，请稍后重新上传 / reading or recording failed: upload again later (nothing is recorded twice)',
          }),
        )
        .finally(() => void (job.finishedAt = Date.now()));
      res.status(202).json({ importId: job.id });
    }),
  );

  router.get(
    '/console/api/intake/:id',
    wrap(async (req, res) => {
      const { viewer } = await officer(req);
      const job = jobOf(String(req.params.id), viewer.userId);
      const r = job.result;
      res.json({
        status: job.status,
        sheet: job.sheet,
        rows: job.rows,
        ...(job.error ? { error: job.error } : {}),
        ...(r
          ? {
              recorded: r.recorded,
              alreadyRecorded: r.alreadyRecorded,
              problemCount: r.problems.length,
              problems: r.problems.slice(0, MAX_PROBLEMS_SHOWN),
            }
          : {}),
      });
    }),
  );

  // Opened by people in a spreadsheet: the row, the column as their file names it, the reason.
  router.get(
    '/console/api/intake/:id/problems.csv',
    wrap(async (req, res) => {
      const { viewer } = await officer(req);
      const job = jobOf(String(req.params.id), viewer.userId);
      if (!job.result)
        throw new ConsoleError('USER_NOT_FOUND', '上传尚未完成 / the upload has not finished');
      res
        .type('text/csv; charset=utf-8')
        .attachment(`${job.fileName.replace(/[^\p{L}\p{N}._-]/gu, '_')}.problems.csv`)
        .send(
          csv([
            ['行号 row', '列 column', '字段 field', '问题及修改方法 problem'],
            ...job.result.problems.map((p) => [
              String(p.line),
              p.header ?? '',
              p.column ?? '',
              p.message,
            ]),
          ]),
        );
    }),
  );
  return router;
}
