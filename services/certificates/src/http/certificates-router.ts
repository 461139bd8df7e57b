import { pipeline } from 'node:stream/promises';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  CERTIFICATE_TYPES,
  certificateTypeChoicesZh,
  certificateTypeOf,
  type CertificateType,
  type Agency,
  DivisionCode,
  ExternalId,
  maskCertificateNumber,
  maskResidentId,
  registryKey,
  shanghaiDay,
  dayString,
  verifyCertificate,
  type RegistryCertificate,
} from '@hub/domain';
import type { AuditRecorder } from '@hub/audit';
// Brings in the typing of req.credential (set by the agency authentication).
import {
  agencyActorOf,
  audited,
  boundedRaw,
  noteAudit,
  originOf,
  parseOrProblem,
  parseSize,
  queryText,
  sendProblem,
  type ErrorCode,
  type HubRecorder,
} from '@hub/ingestion';
import type { PersonalDataVault } from '@hub/personal-data';
import type { ReadModelStore } from '@hub/read-models';
import { checkSubject } from '../audit-subject.js';
import { deterministicUuid } from '../deterministic-id.js';
import { bufferSource, TableError } from '../files/table-reader.js';
import { checkXlsx, DEFAULT_XLSX_LIMITS, type XlsxLimits } from '../files/xlsx-zip.js';
import { rosterRuns, screenRoster, type ChunkScreener } from '../screening/screen-roster.js';
import { ScreeningJobLostError, type ScreeningJobStore } from '../screening/jobs/job-store.js';
import { unmaskHolder } from '../unmasking/unmask-holder.js';

export interface CertificatesDeps {
  /** Verifications, screenings and unmaskings are recorded through it, and only through it. */
  recorder: HubRecorder;
  /** Every check, screening, download and unmasking is on the audit record. */
  audit: AuditRecorder;
  readModels: ReadModelStore;
  vault: PersonalDataVault;
  /** Screening jobs and their results, shared by every API process in server mode. */
  jobs: ScreeningJobStore;
  /** Worker threads for screenings; without them rosters are screened on the request thread. */
  screeningThreads?: ChunkScreener;
  /** Largest roster accepted in one request, after decompression (and all XLSX parts together). */
  rosterLimit?: string;
  /** Bounds on decompressing rosters: ratio, XLSX shared strings and parts (defaults: DEFAULT_XLSX_LIMITS). */
  inflation?: Partial<Omit<XlsxLimits, 'maxBytes'>>;
  now?: () => Date;
  onScreeningError?: (error: unknown) => void;
}

/** A certificate type as its code or its Chinese name (特种作业操作证 …). */
const Type = z.string().transform((text, ctx): CertificateType => {
  const type = certificateTypeOf(text);
  if (type) return type;
  ctx.issues.push({
    code: 'custom',
    input: text,
    message: `证书类型 "${text}" 无法识别，应为 ${certificateTypeChoicesZh()} 之一 / certificate type must be one of ${CERTIFICATE_TYPES.join(', ')} or its Chinese name`,
  });
  return z.NEVER;
});
export const Verification = z
  .object({
    verificationId: ExternalId,
    reportingUnit: DivisionCode,
    inspectionId: ExternalId.optional(),
    /** When the inspector checked; sent by the agency system so that a retry is the same record. */
    checkedAt: z.iso.datetime({ offset: true }).optional(),
    certificate: z.object({ type: Type, number: z.string().min(1).max(40) }).strict(),
    holder: z
      .object({ idNumber: z.string().min(1).max(18), name: z.string().min(1).max(64).optional() })
      .strict()
      .optional(),
    printed: z
      .object({
        operationCategory: z.string().optional(),
        operationItem: z.string().optional(),
        validUntil: z.iso.date().optional(),
        issuedOn: z.iso.date().optional(),
      })
      .strict()
      .optional(),
    job: z.string().min(1).max(64).optional(),
    /** Raise the finding on the inspection at once when the result is negative. */
    raiseFinding: z
      .object({
        subjectKind: z.enum([
          'employer',
          'training_institution',
          'exam_institution',
          'intermediary',
        ]),
      })
      .strict()
      .optional(),
  })
  .strict();
export const ScreeningQuery = z
  .object({
    purpose: z.string().min(2).max(200),
    reportingUnit: DivisionCode,
    caseId: ExternalId.optional(),
    type: Type.optional(),
  })
  .strict();
export const Unmask = z
  .object({
    unmaskingId: ExternalId,
    reportingUnit: DivisionCode,
    certificate: z
      .object({ type: Type, registryKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) })
      .strict(),
    purpose: z.string().min(2).max(200),
    caseId: ExternalId.optional(),
  })
  .strict();

const problem = (res: Response, code: ErrorCode, detail: string) =>
  sendProblem(res, { code, detail });
const parse = parseOrProblem;

const agencyOf = (req: Request) => req.credential!.agency;
const actorOf = (req: Request) => {
  const given = req.header('x-officer-id');
  return {
    officerId:
      given && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(given) ? given : req.credential!.tokenId,
  };
};

/** A string field of a request body not yet validated, for describing the request only. */
const bodyText = (req: Request, name: string): string | undefined => {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length <= 200 ? value : undefined;
};

/** Verification, bulk screening and audited unmasking for agency systems, over HTTP. */
export function certificatesRouter(deps: CertificatesDeps): Router {
  const router = Router();
  const { audit } = deps;
  const now = () => (deps.now ?? (() => new Date()))();
  const today = () => dayString(shanghaiDay(now().toISOString()));
  // Failures carry codes of the one error table; the app's error handler answers them.
  const wrap =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: (e: unknown) => void) =>
      handler(req, res).catch(next);

  router.post(
    '/v1/certificates/verifications',
    express.json({ limit: '64kb' }),
    audited(audit, 'certificate.verify', (req) => ({
      subject: {
        ...(bodyText(req, 'verificationId')
          ? { verificationId: bodyText(req, 'verificationId') }
          : {}),
        ...(bodyText(req, 'reportingUnit') ? { unit: bodyText(req, 'reportingUnit') } : {}),
      },
    })),
    wrap(async (req, res) => {
      const body = parse(Verification, req.body, res);
      if (!body) return;
      const agency = agencyOf(req);
      // Which certificate and which person were checked: by keys, never by number.
      noteAudit(res, {
        subject: checkSubject(
          deps.vault,
          body.certificate.type,
          body.certificate.number,
          body.holder?.idNumber,
        ),
      });
      const key = registryKey(deps.vault, body.certificate.type, body.certificate.number);
      const record = (await deps.readModels.getDocuments('certificate-registry', [key])).get(
        key,
      ) as RegistryCertificate | undefined;
      const verification = verifyCertificate(
        {
          type: body.certificate.type,
          number: body.certificate.number,
          ...(body.holder ? { holder: body.holder } : {}),
          ...(body.printed ? { printed: body.printed } : {}),
          ...(body.job ? { job: body.job } : {}),
        },
        record,
        { protector: deps.vault, today: today() },
      );
      const masked = {
        type: body.certificate.type,
        numberMasked: maskCertificateNumber(body.certificate.type, body.certificate.number),
        registryKey: key,
      };
      const envelope = (suffix: string, type: string, data: object) => ({
        id: deterministicUuid(`${agency}|verification|${body.verificationId}|${suffix}`),
        type,
        schemaVersion: 1,
        reportingUnit: body.reportingUnit,
        occurredAt: body.checkedAt ?? now().toISOString(),
        actor: actorOf(req),
        data,
      });
      const events: unknown[] = [];
      if (body.inspectionId)
        events.push(
          envelope('verified', 'CertificateVerified', {
            verificationId: body.verificationId,
            inspectionId: body.inspectionId,
            certificate: masked,
            ...(body.holder
              ? { holderMasked: maskResidentId(body.holder.idNumber.toUpperCase()) }
              : {}),
            ...(body.job ? { job: body.job } : {}),
            result: verification.result,
            evidence: verification.evidence,
          }),
        );
      if (body.raiseFinding && body.inspectionId && verification.findingKind)
        events.push(
          envelope('finding', 'FindingRecorded', {
            inspectionId: body.inspectionId,
            findingId: `${body.verificationId}-F`,
            subjectKind: body.raiseFinding.subjectKind,
            kind: verification.findingKind,
            ...(body.holder?.name
              ? { worker: { idNumber: body.holder.idNumber, name: body.holder.name } }
              : {}),
            description: verification.evidence.join('；').slice(0, 1000),
          }),
        );
      const recorded =
        events.length > 0
          ? await deps.recorder.record(agency, events, { timeChosenByHub: !body.checkedAt })
          : { eventIds: [] };
      noteAudit(res, { code: verification.result });
      res.json({ ...verification, certificate: masked, recordedEventIds: recorded.eventIds });
    }),
  );

  const rosterBytes = parseSize(deps.rosterLimit ?? '200mb');
  const xlsxLimits: XlsxLimits = {
    ...DEFAULT_XLSX_LIMITS,
    ...deps.inflation,
    maxBytes: rosterBytes,
  };
  router.post(
    '/v1/certificates/screenings',
    audited(audit, 'screening.submit', (req) => ({
      ...(queryText(req, 'purpose') ? { purpose: queryText(req, 'purpose') } : {}),
      ...(queryText(req, 'caseId') ? { caseId: queryText(req, 'caseId') } : {}),
      subject: queryText(req, 'reportingUnit') ? { unit: queryText(req, 'reportingUnit') } : {},
    })),
    // The roster limit holds after decompression, and a body may not inflate like a bomb.
    boundedRaw({ maxBytes: rosterBytes, maxRatio: xlsxLimits.maxRatio }),
    wrap(async (req, res) => {
      const query = parse(ScreeningQuery, req.query, res);
      if (!query) return;
      const format = /spreadsheetml|xlsx/.test(req.header('content-type') ?? '') ? 'xlsx' : 'csv';
      const source = bufferSource(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      // Every part inflated once within the limits before the job is taken: a bomb gets 413.
      if (format === 'xlsx') await checkXlsx(source, xlsxLimits);
      const agency = agencyOf(req);
      const idempotencyKey = req.header('idempotency-key');
      const id = idempotencyKey
        ? `SCR-${deterministicUuid(`${agency}|screening|${idempotencyKey}`)}`
        : `SCR-${deterministicUuid(`${agency}|screening|${now().toISOString()}|${Math.random()}`)}`;
      const location = `/v1/certificates/screenings/${id}`;
      noteAudit(res, { subject: { screeningId: id } });
      if (
        !(await deps.jobs.create({
          id,
          agency,
          purpose: query.purpose,
          ...(query.caseId ? { caseId: query.caseId } : {}),
        }))
      ) {
        res
          .status(202)
          .location(location)
          .json({ screeningId: id, status: location, resubmitted: true });
        return;
      }
      void screenInBackground(deps, {
        id,
        agency,
        actor: actorOf(req),
        purpose: query.purpose,
        reportingUnit: query.reportingUnit,
        ...(query.caseId ? { caseId: query.caseId } : {}),
        ...(query.type ? { type: query.type } : {}),
        source,
        format,
      });
      res.status(202).location(location).json({ screeningId: id, status: location });
    }),
  );

  const ownJob = async (req: Request, res: Response) => {
    const job = await deps.jobs.get(String(req.params.id));
    if (!job || job.agency !== agencyOf(req)) {
      problem(res, 'UNKNOWN_SCREENING', `no screening ${String(req.params.id)} of your agency`);
      return undefined;
    }
    return job;
  };

  const screeningOf = (req: Request) => ({ subject: { screeningId: String(req.params.id) } });
  router.get(
    '/v1/certificates/screenings/:id',
    audited(audit, 'screening.status', screeningOf),
    wrap(async (req, res) => {
      const job = await ownJob(req, res);
      if (job) res.json({ ...job, results: `/v1/certificates/screenings/${job.id}/results` });
    }),
  );

  router.get(
    '/v1/certificates/screenings/:id/results',
    audited(audit, 'screening.results', screeningOf),
    wrap(async (req, res) => {
      const job = await ownJob(req, res);
      if (!job) return;
      if (job.status === 'running')
        return problem(res, 'SCREENING_RUNNING', `screening ${job.id} has ${job.rows} rows so far`);
      if (job.status === 'failed')
        return problem(
          res,
          'SCREENING_FAILED',
          `比对失败，无结果 / screening ${job.id} failed and has no results: ${job.error ?? ''}`,
        );
      noteAudit(res, { subject: { count: job.rows } });
      const results = await deps.jobs.readResults(job.id);
      res.type('application/x-ndjson');
      await pipeline(results, res);
    }),
  );

  router.post(
    '/v1/certificates/unmask',
    express.json({ limit: '16kb' }),
    // A request refused before it reaches unmaskHolder (malformed) is recorded here.
    audited(audit, 'personal_data.unmask', (req) => ({
      ...(bodyText(req, 'purpose') ? { purpose: bodyText(req, 'purpose') } : {}),
      subject: bodyText(req, 'reportingUnit') ? { unit: bodyText(req, 'reportingUnit') } : {},
    })),
    wrap(async (req, res) => {
      const body = parse(Unmask, req.body, res);
      if (!body) return;
      const agency = agencyOf(req);
      // From here unmaskHolder records every outcome itself, the opening before the value.
      noteAudit(res, { done: true });
      const answer = await unmaskHolder(deps, {
        auditActor: agencyActorOf(req),
        from: originOf(req),
        requester: { kind: 'agency-system', agency },
        agency,
        actor: actorOf(req),
        reportingUnit: body.reportingUnit,
        registryKey: body.certificate.registryKey,
        claimedType: body.certificate.type,
        purpose: body.purpose,
        ...(body.caseId ? { caseId: body.caseId } : {}),
        unmaskingId: body.unmaskingId,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.json({ idNumber: answer.idNumber, numberMasked: answer.numberMasked });
    }),
  );
  return router;
}

/** What a screening screens, for whom, and why (the job is created already). */
export interface ScreeningRequest {
  id: string;
  agency: Agency;
  actor: { officerId: string };
  purpose: string;
  reportingUnit: string;
  caseId?: string;
  type?: CertificateType;
  source: ReturnType<typeof bufferSource>;
  format: 'csv' | 'xlsx';
}

/**
 * Screens a roster into its job's results, puts the screening on record (RosterScreened) and
 * finishes the job; results that cannot be put on record are withheld. For agency systems
 * (HTTP) and officers in the console alike.
 */
export async function screenInBackground(
  deps: CertificatesDeps,
  request: ScreeningRequest,
): Promise<void> {
  const now = () => (deps.now ?? (() => new Date()))();
  const today = () => dayString(shanghaiDay(now().toISOString()));
  const xlsxLimits: XlsxLimits = {
    ...DEFAULT_XLSX_LIMITS,
    ...deps.inflation,
    maxBytes: parseSize(deps.rosterLimit ?? '200mb'),
  };
  const { id, agency, actor, source, format } = request;
  const query = request;
  let summary = { rows: 0, rejectedRows: 0, negativeRows: 0, anomalies: 0, byResult: {} };
  let failure: string | undefined;
  try {
    summary = await deps.jobs.writeResults(
      id,
      screenRoster(rosterRuns(source, format, undefined, xlsxLimits), {
        protector: deps.vault,
        lookup: (keys) => deps.readModels.getDocuments('certificate-registry', keys),
        today: today(),
        ...(query.type ? { certificateType: query.type } : {}),
        ...(deps.screeningThreads ? { threads: deps.screeningThreads } : {}),
      }),
    );
  } catch (error) {
    failure =
      error instanceof TableError ? error.message : `screening failed: ${(error as Error).message}`;
    if (!(error instanceof TableError)) deps.onScreeningError?.(error);
  }
  // Every screening is on record, with who asked, why, and what came of it; results
  // that cannot be put on record are not handed out.
  try {
    await deps.recorder.record(agency, [
      {
        id: deterministicUuid(`${agency}|screened|${id}`),
        type: 'RosterScreened',
        schemaVersion: 1,
        reportingUnit: query.reportingUnit,
        occurredAt: now().toISOString(),
        actor,
        data: {
          screeningId: id,
          purpose: query.purpose,
          ...(query.caseId ? { caseId: query.caseId } : {}),
          rows: summary.rows,
          rejectedRows: summary.rejectedRows,
          negativeRows: summary.negativeRows,
          anomalies: summary.anomalies,
        },
      },
    ]);
  } catch (error) {
    deps.onScreeningError?.(error);
    failure = `比对未能记录，结果不予提供 / the screening could not be put on record, so its results are withheld: ${(error as Error).message}`;
  }
  try {
    // False: another process declared this job failed meanwhile (its heartbeat went stale);
    // the failure stands and these results are dropped rather than shown beside it.
    if (!(await deps.jobs.finish(id, summary, failure)))
      deps.onScreeningError?.(new ScreeningJobLostError(id));
  } catch (error) {
    deps.onScreeningError?.(error);
  }
}
