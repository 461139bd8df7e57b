import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import {
  bufferSource,
  checkXlsx,
  DEFAULT_XLSX_LIMITS,
  screenInBackground,
  type CertificatesDeps,
} from '@hub/certificates';
import { DivisionCode, withinUnits } from '@hub/domain';
import { parseSize } from '@hub/ingestion';
import type { SessionAuth } from './session-auth.js';
import { ConsoleError, roleForbidden } from './errors.js';
import type { Viewer } from '@hub/graphql';

type Record_ = (
  req: Request,
  viewer: Viewer,
  action: 'screening.submit' | 'screening.results',
  subject: { screeningId?: string; unit?: string; count?: number; format?: string },
) => void;

/** Column titles of the results workbook, Chinese as officers read them. */
const RESULT_ZH: Record<string, string> = {
  valid: '有效',
  pending_registry: '发证数据未导入',
  unknown_number: '查无此证号',
  revoked: '已注销',
  holder_mismatch: '持证人不符',
  data_mismatch: '信息不符',
  expired: '已过期',
  review_overdue: '逾期未复审',
  other_department: '其他部门核发',
  not_valid_for_job: '与作业类别不符',
};

/**
 * Officers screen a roster from the console: the upload (its bytes bounded as over HTTP), the
 * same screening and record (screenInBackground) as agency systems, and the results as XLSX.
 * Status and result pages are read over GraphQL (`screening`, `screeningResults`).
 */
export function screeningRoutes(
  auth: SessionAuth,
  deps: CertificatesDeps,
  record: Record_,
): Router {
  const router = Router();
  const maxBytes = parseSize(deps.rosterLimit ?? '200mb');
  const officer = async (req: Request) => {
    const s = await auth.signedIn(req);
    if (s.viewer.role !== 'agency_officer' || !s.viewer.agency) throw roleForbidden('名单比对');
    return { ...s, agency: s.viewer.agency };
  };
  const wrap =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      handler(req, res).catch(next);

  router.post(
    '/console/api/screenings',
    express.raw({ type: () => true, limit: maxBytes }),
    wrap(async (req, res) => {
      const { viewer, agency } = await officer(req);
      const q = z
        .object({ purpose: z.string().trim().min(2).max(200), reportingUnit: DivisionCode })
        .safeParse(req.query);
      if (!q.success)
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          '请填写比对事由（至少 2 个字）并选择所属单位 / give the purpose (2 characters at least) and one of your units',
        );
      if (!withinUnits(viewer.units ?? [], q.data.reportingUnit))
        throw Object.assign(
          new Error(
            `单位 ${q.data.reportingUnit} 不在您的辖区内 / unit ${q.data.reportingUnit} is outside your units`,
          ),
          { code: 'OUT_OF_SCOPE' },
        );
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (body.length === 0)
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          '请选择名单文件（CSV 或 XLSX） / choose a roster file (CSV or XLSX)',
        );
      const format =
        /spreadsheetml|xlsx/.test(req.header('content-type') ?? '') ||
        body.subarray(0, 2).toString() === 'PK'
          ? 'xlsx'
          : 'csv';
      const source = bufferSource(body);
      if (format === 'xlsx')
        await checkXlsx(source, { ...DEFAULT_XLSX_LIMITS, ...deps.inflation, maxBytes });
      const id = `SCR-${randomUUID()}`;
      await deps.jobs.create({ id, agency, purpose: q.data.purpose });
      record(req, viewer, 'screening.submit', { screeningId: id, unit: q.data.reportingUnit });
      void screenInBackground(deps, {
        id,
        agency,
        actor: { officerId: viewer.userId },
        purpose: q.data.purpose,
        reportingUnit: q.data.reportingUnit,
        source,
        format,
      });
      res.status(202).json({ screeningId: id });
    }),
  );

  router.get(
    '/console/api/screenings/:id/results.xlsx',
    wrap(async (req, res) => {
      const { viewer, agency } = await officer(req);
      const job = await deps.jobs.get(String(req.params.id));
      if (!job || job.agency !== agency || job.status !== 'done')
        throw new ConsoleError(
          'USER_NOT_FOUND',
          '没有本部门已完成的该项比对，请等待比对完成后再下载 / no finished screening of your agency by that id: wait until it finishes',
        );
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('比对结果');
      sheet.addRow([
        '行号',
        '证书类别',
        '证书编号（脱敏）',
        '持证人（脱敏）',
        '比对结果',
        '依据',
        '异常',
        '未比对原因',
      ]).font = { bold: true };
      let count = 0;
      const lines = createInterface({
        input: await deps.jobs.readResults(job.id),
        crlfDelay: Infinity,
      });
      for await (const line of lines) {
        const r = JSON.parse(line) as {
          line: number;
          certificateType?: string;
          numberMasked?: string;
          holderMasked?: string;
          result?: string;
          evidence?: string[];
          anomalies?: Array<{ kind: string; detail: string }>;
          rejected?: string;
        };
        sheet.addRow([
          r.line,
          r.certificateType ?? '',
          r.numberMasked ?? '',
          r.holderMasked ?? '',
          r.result ? (RESULT_ZH[r.result] ?? r.result) : '',
          (r.evidence ?? []).join('；'),
          (r.anomalies ?? []).map((a) => a.detail).join('；'),
          r.rejected ?? '',
        ]);
        count++;
      }
      sheet.columns.forEach((c) => (c.width = 18));
      record(req, viewer, 'screening.results', { screeningId: job.id, count, format: 'xlsx' });
      res
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .attachment(`${job.id}.xlsx`)
        .send(Buffer.from(await book.xlsx.writeBuffer()));
    }),
  );
  return router;
}
