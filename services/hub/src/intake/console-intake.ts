/**
 * The spreadsheet intake offered to the console: the templates from SHEETS, and an upload read
 * by readTable and recorded by importEventSheet, exactly as `hub import events` does, with the
 * officer's units enforced per row.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  bufferSource,
  checkXlsx,
  readTable,
  TableError,
  XlsxFormatError,
  type XlsxLimits,
} from '@hub/certificates';
import type { SheetIntake } from '@hub/console';
import type { RecordingClock } from '@hub/domain';
import type { EventStore } from '@hub/event-store';
import { InflationLimitError, type PersonalDataSealing } from '@hub/ingestion';
import { importEventSheet } from './import-events.js';
import { SHEET_KINDS, SHEETS, sheetKindOf, type SheetKind } from './sheets.js';

/** The repository's sample sheets (samples/events-*.csv), when the hub runs from a checkout. */
const SAMPLES_DIR = fileURLToPath(new URL('../../../../samples/', import.meta.url));
const SAMPLE_FILE: Record<SheetKind, string> = {
  inspections: 'events-inspections.csv',
  findings: 'events-findings.csv',
  fines: 'events-fines.csv',
  rectifications: 'events-rectifications.csv',
  clues: 'events-clues.csv',
};

export function consoleIntake(deps: {
  store: EventStore;
  sealing: PersonalDataSealing;
  limits: XlsxLimits;
  recordingClock?: () => RecordingClock;
  samplesDir?: string;
}): SheetIntake {
  const samplesDir = deps.samplesDir ?? SAMPLES_DIR;
  const samplePath = (name: string) => {
    const kind = sheetKindOf(name);
    return kind ? `${samplesDir}/${SAMPLE_FILE[kind]}` : undefined;
  };
  return {
    sheets: SHEET_KINDS.map((kind) => {
      const t = SHEETS[kind];
      const hints: Readonly<Record<string, string>> = t.hintsZh;
      const path = samplePath(kind);
      return {
        kind,
        titleZh: t.titleZh,
        columns: Object.entries(t.columns).map(([key, headers]) => ({
          key,
          header: headers[0] ?? key,
          aliases: headers.slice(1),
          required: (t.required as readonly string[]).includes(key),
          ...(hints[key] ? { hintZh: hints[key] } : {}),
        })),
        ...(path && existsSync(path) ? { sample: `samples/${kind}` } : {}),
      };
    }),
    sample: (kind) => {
      const path = samplePath(kind);
      return path && existsSync(path) ? readFileSync(path) : undefined;
    },
    check: async (body, format) => {
      if (format === 'xlsx') await checkXlsx(bufferSource(body), deps.limits);
    },
    importSheet: ({ agency, sheet, units, body, format, onProgress }) => {
      const kind = sheetKindOf(sheet);
      if (!kind) return Promise.reject(new TableError(`无此报表种类：${sheet} / no such sheet`));
      const template = SHEETS[kind];
      return importEventSheet(
        deps.store,
        readTable(bufferSource(body), format, template.columns, template.required, deps.limits),
        {
          agency,
          sheet: kind,
          sealing: deps.sealing,
          units,
          onProgress,
          ...(deps.recordingClock ? { recordingClock: deps.recordingClock } : {}),
        },
      );
    },
    fileProblem: (error) =>
      error instanceof InflationLimitError ||
      error instanceof XlsxFormatError ||
      error instanceof TableError
        ? error.message
        : undefined,
  };
}
