/**
 * Spreadsheet intake: the rows of one sheet become events through the same path as
 * POST /v1/events — each envelope validated by validatePublishedEvent (schemas, publishing
 * rights, dates not in the future, ID numbers sealed), then appended by appendAccepted — so a
 * sheet can record nothing an agency system could not. Rows with problems are reported by
 * line and column, in Chinese, and the others are recorded; event ids come from the rows' own
 * numbers, so uploading the file again records nothing twice.
 */
import {
  clockAt,
  eventDefinition,
  maskIdNumbersIn,
  validatePublishedEvent,
  withinUnits,
  type AcceptedEvent,
  type Agency,
  type RecordingClock,
} from '@hub/domain';
import { IdempotencyConflictError, type EventStore } from '@hub/event-store';
import type { TableRow } from '@hub/certificates';
import { appendAccepted, type PersonalDataSealing } from '@hub/ingestion';
import {
  CellProblem,
  SHEETS,
  type SheetEnvelope,
  type SheetKind,
  type SheetTemplate,
} from './sheets.js';

export interface SheetRowProblem {
  line: number;
  /** The canonical column (for machines). */
  column?: string;
  /** The column's header as the file wrote it (for people). */
  header?: string;
  /** In Chinese first: what is wrong and what to write. */
  message: string;
}

export interface SheetImportResult {
  rows: number;
  /** Events newly recorded. */
  recorded: number;
  /** Events recorded by an earlier upload (same rows): nothing written again. */
  alreadyRecorded: number;
  problems: SheetRowProblem[];
}

export interface SheetImportOptions {
  agency: Agency;
  sheet: SheetKind;
  sealing: PersonalDataSealing;
  recordingClock?: () => RecordingClock;
  /** Called with the rows read so far, after each chunk is recorded. */
  onProgress?: (rows: number) => void;
  chunkSize?: number;
  /**
   * The units the uploader publishes for (a console officer's); a row reporting for another
   * unit is refused, as POST /v1/events refuses it. None: any unit (the operator's CLI).
   */
  units?: readonly string[];
}

/** The column an event's JSON Pointer comes from, by the last field the pointer names. */
function columnOfPointer(template: SheetTemplate, pointer: string): string | undefined {
  const path = pointer.replace(/^\/events\/\d+/, '');
  if (path === '/reportingUnit') return 'reportingUnit';
  if (path.startsWith('/actor')) return 'officerId';
  if (path === '/occurredAt') return template.occurredOn;
  const fields = path.split('/').filter((p) => p !== '' && p !== 'data' && !/^\d+$/.test(p));
  const alias: Record<string, string> = {
    name: fields.includes('certificate') ? 'certificateNumber' : 'name',
    creditCode: 'creditCode',
    number: 'certificateNumber',
    type: 'certificateType',
    amountFen: 'amountYuan',
    findingIds: 'findingId',
    relatedInspectionIds: 'relatedInspectionId',
    verifiedOn: 'rectifiedOn',
    subject: 'subjectName',
    enterprise: 'subjectName',
    employer: 'creditCode',
    person: 'name',
    worker: 'name',
    inspectedOn: 'inspectedOn',
  };
  for (const field of [...fields].reverse()) {
    const column = alias[field] ?? field;
    if (column in template.columns) return column;
  }
  return undefined;
}

export async function importEventSheet(
  store: EventStore,
  rows: AsyncIterable<TableRow>,
  options: SheetImportOptions,
): Promise<SheetImportResult> {
  const template: SheetTemplate = SHEETS[options.sheet];
  const result: SheetImportResult = { rows: 0, recorded: 0, alreadyRecorded: 0, problems: [] };
  const headerOf = (row: TableRow, column: string) =>
    row.headers?.[column] ?? template.columns[column]?.[0] ?? column;
  const problem = (row: TableRow, column: string | undefined, message: string) => {
    // One date wrong is one problem, though the event's time and its data both say it.
    const last = result.problems.at(-1);
    if (column && last?.line === row.line && last.column === column) return;
    const hint = column ? template.hintsZh[column] : undefined;
    // Masked: a message may echo a cell, and a shifted column puts an ID number anywhere.
    const masked = maskIdNumbersIn(message);
    result.problems.push({
      line: row.line,
      ...(column ? { column, header: headerOf(row, column) } : {}),
      message: hint && !masked.includes(hint) ? `${masked}（应填：${hint}）` : masked,
    });
  };
  let chunk: Array<{ row: TableRow; events: AcceptedEvent[] }> = [];
  const count = (events: Array<{ duplicate: boolean }>) => {
    for (const e of events) {
      if (e.duplicate) result.alreadyRecorded++;
      else result.recorded++;
    }
  };
  const append = async (events: AcceptedEvent[]) => {
    // The store answers per stream; which events were there before, it is asked per event.
    const before = new Set<string>();
    for (const stream of new Set(events.map((e) => e.stream)))
      for (const e of await store.readStream(stream)) before.add(e.id);
    await appendAccepted(store, options.sealing, events);
    count(events.map((e) => ({ duplicate: before.has(e.id) })));
  };
  const flush = async () => {
    const pending = chunk;
    chunk = [];
    if (pending.length === 0) return;
    try {
      await append(pending.flatMap((p) => p.events));
    } catch (error) {
      if (!(error instanceof IdempotencyConflictError)) throw error;
      // A row was recorded before with other content: row by row, to name it.
      for (const p of pending) {
        try {
          await append(p.events);
        } catch (rowError) {
          if (!(rowError instanceof IdempotencyConflictError)) throw rowError;
          problem(
            p.row,
            undefined,
            '此行的编号此前已以不同内容上报；编号不可重复使用，更正请联系平台或发布更正事件 / recorded before with other content under the same numbers',
          );
        }
      }
    }
    options.onProgress?.(result.rows);
  };

  for await (const row of rows) {
    result.rows++;
    let envelopes: SheetEnvelope[];
    try {
      envelopes = template.events(row.cells, options.agency);
    } catch (error) {
      if (!(error instanceof CellProblem)) throw error;
      problem(row, error.column, error.message);
      continue;
    }
    const clock = options.recordingClock?.() ?? clockAt(new Date());
    const accepted: AcceptedEvent[] = [];
    let refused = false;
    for (const raw of envelopes) {
      const validated = validatePublishedEvent(raw, options.agency, row.line, {
        clock,
        sealer: options.sealing,
      });
      if (validated.ok) {
        const unit = validated.event.metadata.reportingUnit;
        if (options.units && !withinUnits(options.units, unit)) {
          refused = true;
          problem(
            row,
            'reportingUnit',
            `单位 ${unit} 不在您的辖区（${options.units.join('、')}）内，不能代其上报 / unit ${unit} is outside your units`,
          );
          continue;
        }
        accepted.push(validated.event);
        continue;
      }
      refused = true;
      for (const p of validated.problems) {
        const definition = eventDefinition(raw.type);
        if (p.kind === 'forbidden' && definition) {
          problem(
            row,
            undefined,
            `本部门（${options.agency}）无权上报「${definition.titleZh}」，可上报的部门：${definition.publishers.join('、')} / ${p.message}`,
          );
          continue;
        }
        const column = columnOfPointer(template, p.pointer);
        const zh = /\p{Script=Han}/u.test(p.message) ? '' : '内容不符合要求 / ';
        problem(row, column, `${zh}${p.message}`);
      }
    }
    if (refused) continue;
    // One append may not name an event twice: a row repeating one already in the chunk (a
    // copied row) goes into the next append, where it is a duplicate or a conflict of its own.
    const inChunk = new Set(chunk.flatMap((p) => p.events.map((e) => e.id)));
    if (accepted.some((e) => inChunk.has(e.id))) await flush();
    chunk.push({ row, events: accepted });
    if (chunk.length >= (options.chunkSize ?? 500)) await flush();
  }
  await flush();
  return result;
}
