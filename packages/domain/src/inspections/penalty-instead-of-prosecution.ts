import type { DocumentProjection } from '../projections/projection.js';
import { FAKE_CERTIFICATE_FINDINGS } from './events.js';

/**
 * 以罚代刑: a finding that met the transfer criteria but was closed with a fine and no transfer.
 * One document per inspection gathers its fake-certificate findings, fines, and whether a
 * transferred clue or a closure names it; a clue may arrive before or after the fine.
 */
export interface InspectionOutcomeDocument {
  inspectionId: string;
  reportingUnit?: string;
  agency?: string;
  subjectKind?: string;
  fakeFindingIds: string[];
  /** Fines of the inspection in fen, as decimal digits: exact however many fines there are. */
  finedFen: string;
  fineEventIds: string[];
  transferred: boolean;
}

/** The transfer criteria, as configuration: which findings should have gone to the police. */
export interface TransferCriteria {
  /** Fake-certificate findings in one inspection from which a transfer is expected. */
  fakeCertificatesAtLeast: number;
  /** Subjects for which one fake-certificate finding is enough (a seller, e.g. an intermediary). */
  sellerSubjectKinds: readonly string[];
}

/** An example rule set; each campaign sets its own (not a legal threshold). */
export const DEFAULT_TRANSFER_CRITERIA: TransferCriteria = {
  fakeCertificatesAtLeast: 3,
  sellerSubjectKinds: ['intermediary', 'training_institution'],
};

const empty = (inspectionId: string): InspectionOutcomeDocument => ({
  inspectionId,
  fakeFindingIds: [],
  finedFen: '0',
  fineEventIds: [],
  transferred: false,
});

export const inspectionOutcomeProjection: DocumentProjection<InspectionOutcomeDocument> = {
  kind: 'documents',
  name: 'inspection-outcomes',
  // 2: finedFen is a decimal string (it was a number, which rounds past 2^53 fen).
  version: 2,
  handles: [
    'InspectionConducted',
    'FindingRecorded',
    'FineImposed',
    'FindingClosed',
    'ClueTransferred',
  ],
  keysOf(event) {
    if (event.type === 'ClueTransferred')
      return [...new Set(event.data.relatedInspectionIds ?? [])];
    return [(event.data as { inspectionId: string }).inspectionId];
  },
  evolve(document, event, key) {
    const doc = document ?? empty(key);
    // Only the handled types reach evolve; others leave the document as it is.
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check
    switch (event.type) {
      case 'InspectionConducted':
        return {
          ...doc,
          reportingUnit: event.metadata.reportingUnit,
          agency: event.metadata.agency,
          subjectKind: event.data.subjectKind,
        };
      case 'FindingRecorded':
        if (!(FAKE_CERTIFICATE_FINDINGS as readonly string[]).includes(event.data.kind)) return doc;
        if (doc.fakeFindingIds.includes(event.data.findingId)) return doc;
        return {
          ...doc,
          subjectKind: doc.subjectKind ?? event.data.subjectKind,
          fakeFindingIds: [...doc.fakeFindingIds, event.data.findingId].sort(),
        };
      case 'FineImposed':
        if (doc.fineEventIds.includes(event.metadata.eventId)) return doc;
        return {
          ...doc,
          finedFen: (BigInt(doc.finedFen) + BigInt(event.data.amountFen)).toString(),
          fineEventIds: [...doc.fineEventIds, event.metadata.eventId].sort(),
        };
      case 'FindingClosed':
        return event.data.closure === 'transferred_to_police' ? { ...doc, transferred: true } : doc;
      case 'ClueTransferred':
        return { ...doc, transferred: true };
    }
    return doc;
  },
};

/** True when the inspection met the criteria, was fined, and nothing went to the police. */
export function penaltyInsteadOfProsecution(
  doc: InspectionOutcomeDocument,
  criteria: TransferCriteria = DEFAULT_TRANSFER_CRITERIA,
): boolean {
  const fakes = doc.fakeFindingIds.length;
  const metCriteria =
    fakes >= criteria.fakeCertificatesAtLeast ||
    (fakes > 0 && criteria.sellerSubjectKinds.includes(doc.subjectKind ?? ''));
  return metCriteria && doc.fineEventIds.length > 0 && !doc.transferred;
}
