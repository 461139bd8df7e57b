import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  caseInUnits,
  clueInUnits,
  DEFAULT_RECORDING_POLICY,
  DivisionCode,
  inspectionInUnits,
  divisionName,
  FORM_TEMPLATES,
  PersonName,
  pendingSteps,
  caseView,
  clueLedgerView,
  dayString,
  shanghaiDay,
  asOfDocument,
  formTemplateSummary,
  type BimonthlyReading,
  type CaseDocument,
  type ClueLedgerDocument,
  type DeadlineRule,
  type FormRequest,
  type FormTemplate,
  type TransferCriteria,
} from '@hub/domain';
import {
  assertKnownUnit,
  clueLedger,
  cachedForm,
  formTemplate,
  penaltyInsteadOfProsecutionFlags,
  procuratorWorklist,
  traceFormCellEvents,
  twoHundredPercentRates,
  type ReadModelStore,
} from '@hub/read-models';
import type { AuditRecorder } from '@hub/audit';
import {
  audited,
  type ErrorCode,
  noteAudit,
  parseOrProblem,
  queryText,
  requireInScope,
  sendProblem,
  unitsOf,
} from '@hub/ingestion';
import { formGrid } from '../export/grid.js';
import { formToCsv } from '../export/csv.js';
import { formToXlsx } from '../export/xlsx.js';
import { formJson } from '../export/json.js';

export interface ReportingDeps {
  readModels: ReadModelStore;
  deadlineRules: readonly DeadlineRule[];
  transferCriteria: TransferCriteria;
  /** The clock, for what is due now (tests pass a fixed one). */
  now?: () => Date;
  /** Events recorded more than this many days after they happened are flagged (default 365). */
  lateAfterDays?: number;
  /** Every export and read of the ledger is recorded here. */
  audit: AuditRecorder;
  /** How the Shanghai form's bimonthly note is read (HUB_SHANGHAI_BIMONTHLY). */
  bimonthlyReading?: BimonthlyReading;
}

const Day = z.iso.date();
const AsOf = z.iso.datetime({ offset: true }).optional();

export const FormQuery = z
  .object({
    unit: DivisionCode,
    period: z.string().optional(),
    from: Day.optional(),
    to: Day.optional(),
    asOf: AsOf,
    format: z.enum(['json', 'csv', 'xlsx']).default('json'),
    filledBy: PersonName.optional(),
    contact: z.string().max(64).optional(),
  })
  .strict();
export const DrilldownQuery = z
  .object({
    unit: DivisionCode,
    period: z.string().optional(),
    from: Day.optional(),
    to: Day.optional(),
    asOf: AsOf,
    column: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export const RatesQuery = z.object({ unit: DivisionCode, from: Day, to: Day }).strict();
export const ClueListQuery = z
  .object({
    unit: DivisionCode.optional(),
    open: z.enum(['true', 'false']).optional(),
    asOf: AsOf,
  })
  .strict();
export const AsOfQuery = z.object({ asOf: AsOf }).strict();
export const DueQuery = z
  .object({ unit: DivisionCode.optional(), party: z.string().optional(), asOf: AsOf })
  .strict();

const problem = (res: Response, code: ErrorCode, detail: string) =>
  sendProblem(res, { code, detail });

const parse = <S extends z.ZodType>(schema: S, req: Request, res: Response) =>
  parseOrProblem(schema, req.query, res);

/** What a form request names, for its audit record. */
const formSubject = (req: Request) => ({
  subject: {
    form: String(req.params.formId),
    ...optional('unit', queryText(req, 'unit')),
    // A named period, or the range of days asked for instead.
    ...optional(
      'period',
      queryText(req, 'period') ?? `${queryText(req, 'from') ?? ''}..${queryText(req, 'to') ?? ''}`,
    ),
    ...(req.params.figureId ? { figure: String(req.params.figureId) } : {}),
    ...asOfArgs(queryText(req, 'asOf')),
  },
});
const asOfArgs = (asOf: string | undefined) => (asOf ? { args: { asOf } } : {});
const optional = (name: string, value: string | undefined) =>
  value && value !== '..' ? { [name]: value } : {};

/**
 * Read side of the hub over HTTP: forms, drill-down, rates, the ledger and the worklist. Each
 * route is on the audit record (the form template list alone names nothing of anyone).
 */
export function reportingRouter(deps: ReportingDeps): Router {
  const router = Router();
  const { audit } = deps;
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const lateAfterDays = deps.lateAfterDays ?? DEFAULT_RECORDING_POLICY.lateAfterDays;
  // Failures carry codes of the one error table; the app's error handler answers them.
  const wrap =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: (e: unknown) => void) =>
      handler(req, res).catch(next);

  // Each form's lines with their printed headers, and the periods it takes.
  router.get('/v1/reports/forms', (_req, res) => {
    res.json(FORM_TEMPLATES.map((t) => formTemplateSummary(t, deps.bimonthlyReading)));
  });

  const formRequest = (
    template: FormTemplate,
    query: { unit: string; period?: string; from?: string; to?: string; asOf?: string },
  ): FormRequest => ({
    template,
    unit: query.unit,
    ...(query.period ? { period: query.period } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
    ...(query.asOf ? { asOf: query.asOf } : {}),
    ...(deps.bimonthlyReading ? { bimonthlyReading: deps.bimonthlyReading } : {}),
  });

  router.get(
    '/v1/reports/forms/:formId',
    audited(audit, 'export.form', (req) => ({
      subject: { ...formSubject(req).subject, format: queryText(req, 'format') ?? 'json' },
    })),
    wrap(async (req, res) => {
      const template = formTemplate(String(req.params.formId));
      const query = parse(FormQuery, req, res);
      if (!query) return;
      requireInScope(req, query.unit);
      await assertKnownUnit(deps.readModels, query.unit);
      const form = await cachedForm(deps.readModels, formRequest(template, query), divisionName);
      const filler = {
        unitName: divisionName(query.unit),
        ...(query.filledBy ? { filledBy: query.filledBy } : {}),
        ...(query.contact ? { contact: query.contact } : {}),
        // The day as people here read it, not the UTC date.
        filledOn: dayString(shanghaiDay(now())),
      };
      const file = `${template.id}-${query.unit}-${query.period ?? (query.from ? `${query.from}_${query.to}` : 'campaign')}`;
      if (query.format === 'csv') {
        res
          .type('text/csv; charset=utf-8')
          .attachment(`${file}.csv`)
          .send(formToCsv(formGrid(form, filler)));
        return;
      }
      if (query.format === 'xlsx') {
        res
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .attachment(`${file}.xlsx`)
          .send(await formToXlsx(formGrid(form, filler)));
        return;
      }
      res.json(formJson(form));
    }),
  );

  router.get(
    '/v1/reports/forms/:formId/figures/:figureId/events',
    audited(audit, 'export.drilldown', formSubject),
    wrap(async (req, res) => {
      const template = formTemplate(String(req.params.formId));
      const query = parse(DrilldownQuery, req, res);
      if (!query) return;
      requireInScope(req, query.unit);
      await assertKnownUnit(deps.readModels, query.unit);
      const events = await traceFormCellEvents(
        deps.readModels,
        formRequest(template, query),
        String(req.params.figureId),
        query.column,
        lateAfterDays,
      );
      // Each event with when it happened and was recorded; recordedLate marks one recorded
      // more than lateAfterDays after it happened (it changes a period maybe reported already).
      noteAudit(res, { subject: { count: events.length } });
      res.json({ eventIds: events.map((e) => e.eventId), events, lateAfterDays });
    }),
  );

  router.get(
    '/v1/reports/rates',
    audited(audit, 'export.rates', (req) => ({
      subject: {
        ...optional('unit', queryText(req, 'unit')),
        ...optional('period', `${queryText(req, 'from') ?? ''}..${queryText(req, 'to') ?? ''}`),
      },
    })),
    wrap(async (req, res) => {
      const query = parse(RatesQuery, req, res);
      if (!query) return;
      requireInScope(req, query.unit);
      await assertKnownUnit(deps.readModels, query.unit);
      res.json(await twoHundredPercentRates(deps.readModels, query.unit, query.from, query.to));
    }),
  );

  router.get(
    '/v1/ledger/clues',
    audited(audit, 'export.ledger', (req) => ({
      subject: { view: 'clues', ...optional('unit', queryText(req, 'unit')) },
    })),
    wrap(async (req, res) => {
      const query = parse(ClueListQuery, req, res);
      if (!query) return;
      if (query.unit) requireInScope(req, query.unit);
      if (query.unit) await assertKnownUnit(deps.readModels, query.unit);
      const ledger = await clueLedger(
        deps.readModels,
        deps.deadlineRules,
        now(),
        {
          ...(query.unit ? { unit: query.unit } : {}),
          openOnly: query.open === 'true',
          ...(query.asOf ? { asOf: query.asOf } : {}),
        },
        lateAfterDays,
      );
      const rows = ledger.filter((c) => clueInUnits(unitsOf(req), c));
      noteAudit(res, { subject: { count: rows.length } });
      res.json(rows);
    }),
  );

  router.get(
    '/v1/ledger/clues/:clueId',
    audited(audit, 'export.ledger', (req) => ({
      subject: { view: 'clue', clueId: String(req.params.clueId) },
    })),
    wrap(async (req, res) => {
      const clueId = String(req.params.clueId);
      const query = parse(AsOfQuery, req, res);
      if (!query) return;
      const stored = (await deps.readModels.getDocuments('clue-ledger', [clueId])).get(clueId);
      // As of an instant, a clue recorded later is as unknown as a missing one.
      const doc = stored
        ? asOfDocument(
            stored as ClueLedgerDocument,
            query.asOf ? Date.parse(query.asOf) : undefined,
          )
        : undefined;
      if (!doc || doc.timeline.length === 0)
        return problem(res, 'UNKNOWN_CLUE', `no clue ${clueId} in the ledger`);
      const found = clueLedgerView(doc, deps.deadlineRules, query.asOf ?? now(), lateAfterDays);
      // Outside the caller's units a clue is as unknown as a missing one.
      if (!clueInUnits(unitsOf(req), found))
        return problem(res, 'UNKNOWN_CLUE', `no clue ${clueId} in the ledger`);
      res.json(found);
    }),
  );

  router.get(
    '/v1/ledger/due',
    audited(audit, 'export.ledger', (req) => ({
      subject: { view: 'due', ...optional('unit', queryText(req, 'unit')) },
    })),
    wrap(async (req, res) => {
      const query = parse(DueQuery, req, res);
      if (!query) return;
      if (query.unit) requireInScope(req, query.unit);
      if (query.unit) await assertKnownUnit(deps.readModels, query.unit);
      // Due and overdue are judged at asOf (what the hub knew then), else now.
      const ledger = await clueLedger(deps.readModels, deps.deadlineRules, now(), {
        ...(query.unit ? { unit: query.unit } : {}),
        ...(query.asOf ? { asOf: query.asOf } : {}),
      });
      const items = ledger
        .filter((c) => clueInUnits(unitsOf(req), c))
        .flatMap((c) => pendingSteps(c).map((step) => ({ clueId: c.clueId, ...step })));
      const due = items
        .filter((i) => !query.party || i.party === query.party)
        .sort((a, b) => (a.dueBy ?? '~').localeCompare(b.dueBy ?? '~'));
      noteAudit(res, { subject: { count: due.length } });
      res.json(due);
    }),
  );

  router.get(
    '/v1/ledger/penalty-instead-of-prosecution',
    audited(audit, 'export.ledger', () => ({
      subject: { view: 'penalty-instead-of-prosecution' },
    })),
    wrap(async (req, res) => {
      const flags = await penaltyInsteadOfProsecutionFlags(deps.readModels, deps.transferCriteria);
      const rows = flags.filter((f) => inspectionInUnits(unitsOf(req), f));
      noteAudit(res, { subject: { count: rows.length } });
      res.json(rows);
    }),
  );

  router.get(
    '/v1/prosecution/worklist',
    audited(audit, 'export.worklist'),
    wrap(async (req, res) => {
      const query = parse(AsOfQuery, req, res);
      if (!query) return;
      const worklist = await procuratorWorklist(deps.readModels, query.asOf);
      const rows = worklist.filter((w) => caseInUnits(unitsOf(req), w.case));
      noteAudit(res, { subject: { count: rows.length } });
      res.json(rows);
    }),
  );

  router.get(
    '/v1/prosecution/cases/:caseId',
    audited(audit, 'export.case', (req) => ({ caseId: String(req.params.caseId) })),
    wrap(async (req, res) => {
      const caseId = String(req.params.caseId);
      const doc = (await deps.readModels.getDocuments('case-tracking', [caseId])).get(caseId);
      if (!doc) return problem(res, 'UNKNOWN_CASE', `no case ${caseId}`);
      const found = caseView(doc as CaseDocument);
      if (!caseInUnits(unitsOf(req), found))
        return problem(res, 'UNKNOWN_CASE', `no case ${caseId}`);
      res.json(found);
    }),
  );
  return router;
}
