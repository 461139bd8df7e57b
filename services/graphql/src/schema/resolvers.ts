import { createInterface } from 'node:readline';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import {
  asOfDocument,
  caseView,
  CERTIFICATE_TYPES,
  certificateTypeChoicesZh,
  certificateTypeOf,
  formTemplateSummary,
  clueLedgerUnitsProjection,
  clueLedgerViewUnflagged,
  dayString,
  DEFAULT_RECORDING_POLICY,
  divisionName,
  eventDefinition,
  maskedForDisplay,
  readRecordedEvent,
  shanghaiDateTime,
  flagLateEntry,
  FORM_TEMPLATES,
  InvalidObservationError,
  isWithinDivision,
  PeriodError,
  maskCertificateNumber,
  registryKey,
  shanghaiDay,
  verifyCertificate,
  withinUnits,
  NATIONWIDE,
  type AgencyActivityDocument,
  type CaseDocument,
  type CaseView,
  type CertificateType,
  type ClueLedgerDocument,
  type ClueLedgerView,
  type FormRequest,
  type RegistryCertificate,
  type TimelineEntry,
} from '@hub/domain';
import {
  assertKnownUnit,
  cachedForm,
  computeForm,
  formTemplate,
  procuratorWorklist,
  traceFormCell,
  traceFormCellEvents,
  traceFormCellFacts,
  UnknownFormError,
} from '@hub/read-models';
import { unmaskHolder } from '@hub/certificates';
import {
  authorize,
  authorizeField,
  forbidden,
  inUnits,
  mayReadCase,
  mayReadClue,
} from '../auth/policy.js';
import type { GraphqlContext } from '../context.js';
import { keysInUnits } from './unit-index.js';
import { userActorOf } from '../auth/sign-in.js';
import { auditQueryOf, auditRecordView, type AuditFilterInput } from '../audit/audit-query.js';

/** Page sizes are capped: a client cannot ask for the whole ledger at once. */
export const MAX_PAGE = 100;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function pageSize(first: number | undefined): number {
  const size = first ?? 20;
  if (size < 1 || size > MAX_PAGE)
    throw badInput(`first must be between 1 and ${MAX_PAGE}, got ${size}`);
  return size;
}

const cursorOf = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
function keyOf(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!key || cursorOf(key) !== cursor) throw badInput('after is not a cursor this API gave out');
  return key;
}

/**
 * Walks a document collection in key order from a cursor, keeping the rows a predicate
 * accepts, until a page is full: filters that depend on the clock (due, overdue) cannot be
 * indexed, so the storage is read in larger pages behind the scenes.
 */
async function pageOf<T>(
  ctx: GraphqlContext,
  collection: string,
  after: string | undefined,
  first: number,
  view: (key: string, value: unknown) => T | undefined,
) {
  const nodes: Array<{ key: string; node: T }> = [];
  let cursor = keyOf(after);
  // The first read asks for one page (plus one to know if there is more); filters read on.
  let limit = first + 1;
  for (;;) {
    const page = { ...(cursor ? { after: cursor } : {}), limit };
    const batch = await ctx.deps.readModels.pageDocuments(collection, page);
    for (const d of batch) {
      const node = view(d.key, d.value);
      if (node !== undefined) nodes.push({ key: d.key, node });
      if (nodes.length > first) break;
    }
    if (nodes.length > first || batch.length < limit) break;
    cursor = batch[batch.length - 1]!.key;
    limit = 500;
  }
  return connectionOf(nodes, first);
}

/**
 * pageOf where an index gives the candidate keys in key order (a viewer's units): only the
 * documents it names are read, each still judged by `view`.
 */
async function pageOfKeys<T>(
  ctx: GraphqlContext,
  collection: string,
  keys: AsyncGenerator<string>,
  first: number,
  view: (key: string, value: unknown) => T | undefined,
) {
  const nodes: Array<{ key: string; node: T }> = [];
  let want = first + 1;
  try {
    for (let done = false; !done && nodes.length <= first; want = 100) {
      const batch: string[] = [];
      while (batch.length < want) {
        const step = await keys.next();
        if (step.done) {
          done = true;
          break;
        }
        batch.push(step.value);
      }
      const documents = await ctx.deps.readModels.getDocuments(collection, batch);
      for (const key of batch) {
        const value = documents.get(key);
        const node = value === undefined ? undefined : view(key, value);
        if (node !== undefined) nodes.push({ key, node });
        if (nodes.length > first) break;
      }
    }
  } finally {
    await keys.return(undefined);
  }
  return connectionOf(nodes, first);
}

function connectionOf<T>(nodes: ReadonlyArray<{ key: string; node: T }>, first: number) {
  const page = nodes.slice(0, first);
  return {
    edges: page.map((n) => ({ cursor: cursorOf(n.key), node: n.node })),
    pageInfo: {
      hasNextPage: nodes.length > first,
      endCursor: page.length ? cursorOf(page[page.length - 1]!.key) : null,
    },
  };
}

interface ClueFilter {
  agency?: string;
  status?: string;
  due?: string;
  from?: string;
  to?: string;
  unit?: string;
}

function matches(view: ClueLedgerView, filter: ClueFilter): boolean {
  if (filter.agency && view.transferringAgency !== filter.agency) return false;
  if (filter.status === 'open' && !view.open) return false;
  if (filter.status === 'closed' && view.open) return false;
  if (filter.due) {
    const wanted = filter.due === 'overdue' ? ['overdue'] : ['due', 'open'];
    if (!view.steps.some((s) => wanted.includes(s.status))) return false;
  }
  const transferred = view.timeline.find((e) => e.type === 'ClueTransferred');
  const day = transferred ? dayString(shanghaiDay(transferred.occurredAt)) : undefined;
  if (filter.from && (!day || day < filter.from)) return false;
  if (filter.to && (!day || day > filter.to)) return false;
  if (filter.unit) {
    const unit = filter.unit;
    const inside = (code: string | undefined) => code !== undefined && isWithinDivision(code, unit);
    if (!inside(view.reportingUnit) && !inside(view.toPoliceUnit)) return false;
  }
  return true;
}

/** Verification, with names the name value object refuses answered as the user's error. */
function verifyOrBadInput(...args: Parameters<typeof verifyCertificate>) {
  try {
    return verifyCertificate(...args);
  } catch (error) {
    if (!(error instanceof InvalidObservationError)) throw error;
    throw new GraphQLError(error.message, {
      extensions: { code: 'BAD_USER_INPUT', reason: error.code },
    });
  }
}

const lateAfterDays = (ctx: GraphqlContext) =>
  ctx.deps.lateAfterDays ?? DEFAULT_RECORDING_POLICY.lateAfterDays;

/** An instant the caller gives for "as of": with its offset, or the caller's mistake. */
function asOfOf(asOf: string | undefined): string | undefined {
  if (asOf === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(asOf) ||
    Number.isNaN(Date.parse(asOf))
  )
    throw badInput(
      `asOf 应为带时区的时刻，如 2024-09-01T00:00:00+08:00，收到 "${asOf}" / asOf must be an instant with its offset, got "${asOf}"`,
    );
  return asOf;
}

/**
 * A clue as the ledger shows it now, or as the hub knew it at `asOf` (events recorded by then,
 * deadlines judged then); undefined for a clue the hub had not heard of yet.
 */
function clueView(ctx: GraphqlContext, doc: unknown, asOf?: string): ClueLedgerView | undefined {
  const known = asOfDocument(doc as ClueLedgerDocument, asOf ? Date.parse(asOf) : undefined);
  if (known.timeline.length === 0) return undefined;
  // Unflagged: TimelineEntry.recordedLate flags the entries a query asks for.
  return clueLedgerViewUnflagged(known, ctx.deps.deadlineRules, asOf ?? ctx.now);
}

/**
 * Whether a clue document can concern the viewer's units at all. Every unit its ledger view
 * and the scope check take (the reporting unit of each entry, the police unit it went to) is
 * looked at here, so a document that touches none is skipped before its view is computed. The
 * exact check (mayReadClue on the view) still decides for the rest.
 */
function mayConcern(ctx: GraphqlContext, doc: unknown): boolean {
  const units = ctx.viewer.units ?? [];
  for (const entry of (doc as ClueLedgerDocument).timeline) {
    if (withinUnits(units, entry.reportingUnit)) return true;
    const police = entry.facts.toPoliceUnit;
    if (police !== undefined && withinUnits(units, String(police))) return true;
  }
  return false;
}

interface FormArgs {
  formId: string;
  unit: string;
  period?: string;
  from?: string;
  to?: string;
  asOf?: string;
}

interface CellArgs extends FormArgs {
  figureId: string;
  column?: number;
  first?: number;
}

const formRequest = (ctx: GraphqlContext, args: FormArgs): FormRequest => ({
  template: formTemplate(args.formId),
  unit: args.unit,
  ...(args.period ? { period: args.period } : {}),
  ...(args.from ? { from: args.from } : {}),
  ...(args.to ? { to: args.to } : {}),
  ...(args.asOf ? { asOf: args.asOf } : {}),
  ...(ctx.deps.bimonthlyReading ? { bimonthlyReading: ctx.deps.bimonthlyReading } : {}),
});

function readableCase(ctx: GraphqlContext, doc: unknown): CaseView | undefined {
  const view = caseView(doc as CaseDocument);
  return mayReadCase(ctx.viewer, view) ? view : undefined;
}

export const resolvers = {
  Query: {
    me: (_: unknown, __: unknown, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'me');
      return ctx.viewer;
    },
    forms: (_: unknown, __: unknown, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'forms');
      return FORM_TEMPLATES.map((t) => {
        const summary = formTemplateSummary(t, ctx.deps.bimonthlyReading);
        return {
          ...summary,
          formId: t.id,
          lines: summary.lines.map((l) => ({
            groupZh: l.groupZh,
            figures: l.figures.map((f) => ({ ...f, figureId: f.id })),
          })),
          namedPeriodZh: summary.periods.namedZh,
          bimonthlyReading: summary.periods.bimonthlyReading ?? null,
        };
      });
    },
    form: async (_: unknown, args: FormArgs, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'form');
      if (!/^[1-8]\d{5}$/.test(args.unit))
        throw badInput(`unit must be a 6-digit division code, got "${args.unit}"`);
      if (!inUnits(ctx.viewer, args.unit))
        throw forbidden(`unit ${args.unit} is outside your units`);
      await assertKnownUnit(ctx.deps.readModels, args.unit);
      const form = await (ctx.deps.formCache === false ? computeForm : cachedForm)(
        ctx.deps.readModels,
        formRequest(ctx, args),
        divisionName,
      );
      return {
        ...form,
        formId: form.template.id,
        period: form.period ?? null,
        from: form.from ?? null,
        to: form.to ?? null,
        dueOn: form.dueOn ?? null,
        asOf: form.asOf ?? null,
      };
    },
    formCellEvents: async (_: unknown, args: CellArgs, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'formCellEvents');
      if (!inUnits(ctx.viewer, args.unit))
        throw forbidden(`unit ${args.unit} is outside your units`);
      const ids = await traceFormCell(
        ctx.deps.readModels,
        formRequest(ctx, args),
        args.figureId,
        args.column ?? 0,
      );
      return ids.slice(0, pageSize(args.first));
    },
    formCellEventDetails: async (_: unknown, args: CellArgs, ctx: GraphqlContext) => {
      // The same right as the ids alone, and the units of the form.
      authorize(ctx.viewer, 'formCellEvents');
      if (!inUnits(ctx.viewer, args.unit))
        throw forbidden(`unit ${args.unit} is outside your units`);
      const first = pageSize(args.first);
      try {
        const events = await traceFormCellEvents(
          ctx.deps.readModels,
          formRequest(ctx, args),
          args.figureId,
          args.column ?? 0,
          lateAfterDays(ctx),
        );
        return events.slice(0, first);
      } catch (error) {
        // Only the caller's mistakes are the caller's: a failing store stays internal.
        if (
          error instanceof UnknownFormError ||
          error instanceof PeriodError ||
          error instanceof RangeError
        )
          throw badInput(error.message);
        throw error;
      }
    },
    formCellEventContents: async (_: unknown, args: CellArgs, ctx: GraphqlContext) => {
      // The same right and units as the drill-down: the cell's events lie in the form's unit.
      authorize(ctx.viewer, 'formCellEvents');
      if (!inUnits(ctx.viewer, args.unit))
        throw forbidden(`unit ${args.unit} is outside your units`);
      const first = pageSize(args.first);
      let facts;
      try {
        facts = await traceFormCellFacts(
          ctx.deps.readModels,
          formRequest(ctx, args),
          args.figureId,
          args.column ?? 0,
          lateAfterDays(ctx),
        );
      } catch (error) {
        if (
          error instanceof UnknownFormError ||
          error instanceof PeriodError ||
          error instanceof RangeError
        )
          throw badInput(error.message);
        throw error;
      }
      // Each event read at its position (one indexed read each); never unsealed here.
      const contents = await Promise.all(
        facts.slice(0, first).map(async (fact) => {
          const [stored] = await ctx.deps.store.readAll({
            after: fact.position - 1n,
            maxCount: 1,
          });
          const event = stored && readRecordedEvent(stored);
          if (!event || event.metadata.eventId !== fact.eventId) return undefined;
          return {
            eventId: fact.eventId,
            type: event.type,
            typeZh: eventDefinition(event.type)?.titleZh ?? event.type,
            agency: event.metadata.agency,
            reportingUnit: event.metadata.reportingUnit,
            occurredAt: shanghaiDateTime(event.metadata.occurredAt),
            recordedAt: shanghaiDateTime(event.recorded.recordedAt),
            recordedLate: fact.recordedLate,
            data: JSON.stringify(maskedForDisplay(event.data)),
          };
        }),
      );
      return contents.filter((c) => c !== undefined);
    },
    clues: (
      _: unknown,
      args: { filter?: ClueFilter; first?: number; after?: string; asOf?: string },
      ctx: GraphqlContext,
    ) => {
      authorize(ctx.viewer, 'clues');
      const first = pageSize(args.first);
      const asOf = asOfOf(args.asOf);
      const after = keyOf(args.after);
      const readable = (_key: string, value: unknown) => {
        if (!mayConcern(ctx, value)) return undefined;
        const view = clueView(ctx, value, asOf);
        return view && mayReadClue(ctx.viewer, view) && matches(view, args.filter ?? {})
          ? view
          : undefined;
      };
      const units = ctx.viewer.units ?? [];
      // A viewer with units of its own reads their clues through the ledger's unit index;
      // nationwide, every clue concerns the viewer and the ledger is read in order.
      if (!units.includes(NATIONWIDE))
        return pageOfKeys(
          ctx,
          'clue-ledger',
          keysInUnits(ctx.deps.readModels, clueLedgerUnitsProjection.name, units, after, first + 1),
          first,
          readable,
        );
      return pageOf(ctx, 'clue-ledger', args.after, first, readable);
    },
    clue: async (_: unknown, args: { clueId: string; asOf?: string }, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'clue');
      const doc = await ctx.documents('clue-ledger').load(args.clueId);
      if (!doc) return null;
      const view = clueView(ctx, doc, asOfOf(args.asOf));
      return view && mayReadClue(ctx.viewer, view) ? view : null;
    },
    cases: (
      _: unknown,
      args: { stage?: string; first?: number; after?: string },
      ctx: GraphqlContext,
    ) => {
      authorize(ctx.viewer, 'cases');
      return pageOf(ctx, 'case-tracking', args.after, pageSize(args.first), (_key, value) => {
        const view = readableCase(ctx, value);
        return view && (!args.stage || view.stage === args.stage) ? view : undefined;
      });
    },
    case: async (_: unknown, args: { caseId: string }, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'case');
      const doc = await ctx.documents('case-tracking').load(args.caseId);
      return doc ? (readableCase(ctx, doc) ?? null) : null;
    },
    procuratorWorklist: async (_: unknown, args: { asOf?: string }, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'procuratorWorklist');
      const worklist = await procuratorWorklist(ctx.deps.readModels, asOfOf(args.asOf));
      return worklist.filter((w) => mayReadCase(ctx.viewer, w.case));
    },
    verifyCertificate: async (
      _: unknown,
      {
        input,
      }: {
        input: {
          certificateType: string;
          number: string;
          holderIdNumber?: string;
          holderName?: string;
          job?: string;
          printedValidUntil?: string;
          printedIssuedOn?: string;
        };
      },
      ctx: GraphqlContext,
    ) => {
      authorize(ctx.viewer, 'verifyCertificate');
      const type = certificateTypeOf(input.certificateType);
      if (!type)
        throw badInput(
          `证书类型 "${input.certificateType}" 无法识别，应为 ${certificateTypeChoicesZh()} 之一 / certificateType must be one of ${CERTIFICATE_TYPES.join(', ')} or its Chinese name`,
        );
      const key = registryKey(ctx.deps.vault, type, input.number);
      const record = (await ctx
        .documents('certificate-registry')
        .load(key)) as RegistryCertificate | null;
      const verification = verifyOrBadInput(
        {
          type,
          number: input.number,
          ...(input.holderIdNumber
            ? {
                holder: {
                  idNumber: input.holderIdNumber,
                  ...(input.holderName ? { name: input.holderName } : {}),
                },
              }
            : {}),
          ...(input.job ? { job: input.job } : {}),
          printed: {
            ...(input.printedValidUntil ? { validUntil: input.printedValidUntil } : {}),
            ...(input.printedIssuedOn ? { issuedOn: input.printedIssuedOn } : {}),
          },
        },
        record ?? undefined,
        { protector: ctx.deps.vault, today: dayString(shanghaiDay(ctx.now)) },
      );
      return {
        ...verification,
        findingKind: verification.findingKind ?? null,
        numberMasked: maskCertificateNumber(type, input.number),
        registryKey: key,
      };
    },
    screening: async (_: unknown, args: { screeningId: string }, ctx: GraphqlContext) => {
      authorize(ctx.viewer, 'screening');
      const job = await ctx.deps.jobs.get(args.screeningId);
      return job && job.agency === ctx.viewer.agency ? { ...job, screeningId: job.id } : null;
    },
    screeningResults: async (
      _: unknown,
      args: { screeningId: string; first?: number; after?: string },
      ctx: GraphqlContext,
    ) => {
      authorize(ctx.viewer, 'screeningResults');
      const job = await ctx.deps.jobs.get(args.screeningId);
      if (!job || job.agency !== ctx.viewer.agency)
        throw badInput(`no screening ${args.screeningId} of your agency`);
      if (job.status === 'running')
        throw badInput(`screening ${args.screeningId} is still running`);
      if (job.status === 'failed')
        throw badInput(
          `比对 ${args.screeningId} 未成功，没有结果：${job.error ?? ''} / screening ${args.screeningId} failed and has no results`,
        );
      const first = pageSize(args.first);
      const start = args.after === undefined ? 0 : Number(keyOf(args.after)) + 1;
      if (!Number.isInteger(start) || start < 0)
        throw badInput('after is not a cursor this API gave out');
      const edges: Array<{ cursor: string; node: unknown }> = [];
      let index = 0;
      let more = false;
      // Results are streamed JSON lines: read up to the page, never all of them into memory.
      const input = await ctx.deps.jobs.readResults(args.screeningId);
      const lines = createInterface({ input, crlfDelay: Infinity });
      for await (const line of lines) {
        if (index >= start + first) {
          more = true;
          break;
        }
        if (index >= start) {
          const row = JSON.parse(line) as { anomalies?: Array<{ kind: string; detail: string }> };
          edges.push({
            cursor: cursorOf(String(index)),
            node: {
              ...row,
              anomalies: row.anomalies?.map((a) => `${a.kind}: ${a.detail}`) ?? null,
            },
          });
        }
        index++;
      }
      lines.close();
      input.destroy();
      return {
        edges,
        pageInfo: {
          hasNextPage: more,
          endCursor: edges.length ? edges[edges.length - 1]!.cursor : null,
        },
      };
    },
    agencyActivity: async (
      _: unknown,
      args: { from: string; to: string; agency?: string },
      ctx: GraphqlContext,
    ) => {
      authorize(ctx.viewer, 'agencyActivity');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(args.from) || !/^\d{4}-\d{2}-\d{2}$/.test(args.to))
        throw badInput('from and to are dates written YYYY-MM-DD');
      // Per agency and day, over the units the viewer may see.
      const merged = new Map<
        string,
        { agency: string; day: string; total: number; counts: Map<string, number> }
      >();
      for (const { value } of await ctx.deps.readModels.listDocuments('agency-activity')) {
        const d = value as AgencyActivityDocument;
        if (d.day < args.from || d.day > args.to || (args.agency && d.agency !== args.agency))
          continue;
        if (!inUnits(ctx.viewer, d.unit)) continue;
        const key = `${d.agency}:${d.day}`;
        const row = merged.get(key) ?? {
          agency: d.agency,
          day: d.day,
          total: 0,
          counts: new Map(),
        };
        row.total += d.eventIds;
        for (const [type, count] of Object.entries(d.counts))
          row.counts.set(type, (row.counts.get(type) ?? 0) + count);
        merged.set(key, row);
      }
      return [...merged.values()]
        .sort((a, b) => a.day.localeCompare(b.day) || a.agency.localeCompare(b.agency))
        .map((r) => ({
          agency: r.agency,
          day: r.day,
          total: r.total,
          byType: [...r.counts].map(([type, count]) => ({ type, count })),
        }));
    },
    certificateHolder: async (
      _: unknown,
      args: {
        certificateType: string;
        registryKey: string;
        purpose: string;
        caseId?: string;
        unmaskingId?: string;
        reportingUnit?: string;
      },
      ctx: GraphqlContext,
      info: GraphQLResolveInfo,
    ) => {
      authorize(ctx.viewer, 'certificateHolder');
      if (!(CERTIFICATE_TYPES as readonly string[]).includes(args.certificateType))
        throw badInput('unknown certificateType');
      if (args.purpose.trim().length < 2) throw badInput('state the purpose of the unmasking');
      const viewer = ctx.viewer;
      const reportingUnit = args.reportingUnit ?? viewer.units?.find((u) => /^[1-8]\d{5}$/.test(u));
      if (!reportingUnit || !/^[1-8]\d{5}$/.test(reportingUnit) || !inUnits(viewer, reportingUnit))
        throw badInput(
          '请用 reportingUnit 指明本次查看所属的本单位辖区 / name the unit this access is for (reportingUnit, one of your units)',
        );
      // Recorded as the person's own act, under the agency they work for.
      const agency = viewer.agency ?? (viewer.role === 'court_clerk' ? 'court' : 'procuratorate');
      // From here unmaskHolder puts every outcome on the audit record, the opening first.
      ctx.selfAudited.add(String(info.path.key));
      return unmaskHolder(ctx.deps, {
        auditActor: userActorOf(viewer),
        from: ctx.from,
        requester: {
          kind: 'person',
          role: viewer.role,
          ...(viewer.agency ? { agency: viewer.agency } : {}),
        },
        agency,
        actor: { officerId: viewer.userId },
        reportingUnit,
        registryKey: args.registryKey,
        claimedType: args.certificateType as CertificateType,
        purpose: args.purpose,
        ...(args.caseId ? { caseId: args.caseId } : {}),
        ...(args.unmaskingId ? { unmaskingId: args.unmaskingId } : {}),
      });
    },
    auditTrail: async (
      _: unknown,
      args: { filter?: AuditFilterInput; first?: number; after?: string },
      ctx: GraphqlContext,
    ) => {
      authorize(ctx.viewer, 'auditTrail');
      // Scoped to the auditor's units; the audit plugin records this read itself.
      const page = await ctx.deps.audit.query(
        auditQueryOf(args.filter ?? {}, ctx.viewer.units ?? [], ctx.deps.vault),
        { first: pageSize(args.first), ...(args.after ? { after: args.after } : {}) },
      );
      return {
        edges: page.records.map((r) => ({ cursor: r.cursor, node: auditRecordView(r) })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
  TimelineEntry: {
    recordedLate: (entry: TimelineEntry, _: unknown, ctx: GraphqlContext) =>
      flagLateEntry(entry, lateAfterDays(ctx)).recordedLate === true,
  },
  AuditSubject: {
    args: (subject: { args?: Record<string, unknown> }) =>
      subject.args
        ? Object.entries(subject.args).map(([name, value]) => ({ name, value: String(value) }))
        : null,
  },
  Case: {
    procuratorId: (c: CaseView, _: unknown, ctx: GraphqlContext) => {
      authorizeField(ctx.viewer, 'Case.procuratorId');
      const entry = c.timeline.find((e) => e.type === 'EarlyInterventionStarted');
      return entry?.facts.procurator ? String(entry.facts.procurator) : null;
    },
    clue: async (c: CaseView, _: unknown, ctx: GraphqlContext) => {
      if (!c.clueId) return null;
      const doc = await ctx.documents('clue-ledger').load(c.clueId);
      if (!doc) return null;
      const view = clueView(ctx, doc);
      return view && mayReadClue(ctx.viewer, view) ? view : null;
    },
  },
};
