/** Fixtures for tests across the monorepo: valid identities and published events. Pure. */
import type { RecordedHubEvent } from '../catalogue.js';
import { metadataOf } from '../ingestion/validate-published-event.js';
import type { DocumentProjection } from '../projections/projection.js';
import type { Agency } from '../shared/agencies.js';
import type { PublishedEnvelope } from '../shared/envelope.js';
import { clockAt } from '../shared/recording-time.js';
import { maskCertificateNumber } from '../certificates/registry.js';
import type { ValidationContext } from '../ingestion/validate-published-event.js';
import { formatSealedRef, type PersonalDataSealer } from '../shared/personal-data-refs.js';
import { creditCodeCheckCharacter } from '../shared/value-objects/credit-code.js';
import { maskResidentId, residentIdCheckCharacter } from '../shared/value-objects/resident-id.js';

export const VALID_ID = '11010519491231002X';

/** The hub's clock in tests: a while after the fixtures' events happened (2024-06-20). */
export const TEST_CLOCK = clockAt('2024-07-01T00:00:00Z');

/** Letters for digits: a sealed value in tests that holds no ID number in clear. */
const disguise = (value: string) =>
  value.replace(/[0-9]/g, (d) => String.fromCharCode(97 + Number(d)));

/**
 * A sealer for pure tests: refs shaped as the vault makes them, keyed by the value itself
 * (disguised), without a vault. The hub's own sealer is PersonalDataVault.
 */
export const TEST_SEALER: PersonalDataSealer = {
  sealIdNumber: (id) =>
    formatSealedRef({
      kind: 'id',
      matchAlg: 'test',
      key: `t${disguise(id)}`,
      masked: maskResidentId(id),
      keyId: 'test',
      sealed: disguise(id),
    }),
  sealCertificateNumber: (type, number) =>
    formatSealedRef({
      kind: 'cert',
      matchAlg: 'test',
      key: `t${type}-${disguise(number.toUpperCase())}`,
      masked: maskCertificateNumber(type, number),
      keyId: 'test',
      sealed: disguise(number.toUpperCase()),
    }),
};

/** What validation needs in pure tests: a fixed clock and the test sealer. */
export const TEST_CONTEXT: ValidationContext = { clock: TEST_CLOCK, sealer: TEST_SEALER };
export const VALID_CREDIT_CODE = '914403001922038216';

/** A valid resident ID number for a birth date, with a serial to tell people apart. */
export function residentIdFor(birth = '19850612', serial = 123, division = '310105'): string {
  const first17 = `${division}${birth}${String(serial).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
}

export function creditCodeFor(body = 'MA1FL3LH3', division = '310105'): string {
  const first17 = `91${division}${body}`;
  return first17 + creditCodeCheckCharacter(first17);
}

let sequence = 0;
/** A UUID v4-shaped id that is unique within a test run. */
export function testUuid(): string {
  sequence += 1;
  const hex = (
    sequence.toString(16) +
    Date.now().toString(16) +
    Math.random().toString(16).slice(2)
  )
    .padEnd(32, '0')
    .slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A published event envelope with sensible defaults. */
export function published(
  type: string,
  data: unknown,
  overrides: Partial<PublishedEnvelope> = {},
): PublishedEnvelope {
  return {
    id: testUuid(),
    type,
    schemaVersion: 1,
    reportingUnit: '310105',
    occurredAt: '2024-06-20T10:00:00+08:00',
    actor: { officerId: 'officer-1' },
    data,
    ...overrides,
  };
}

export const inspection = (inspectionId = 'INS-1', overrides: Record<string, unknown> = {}) =>
  published('InspectionConducted', {
    inspectionId,
    subjectKind: 'employer',
    subject: { creditCode: VALID_CREDIT_CODE, name: '示例机械有限公司' },
    method: 'special',
    inspectedOn: '2024-06-20',
    workersChecked: 12,
    ...overrides,
  });

export const finding = (overrides: Record<string, unknown> = {}) =>
  published('FindingRecorded', {
    inspectionId: 'INS-1',
    findingId: 'F-1',
    subjectKind: 'employer',
    kind: 'forged',
    worker: { idNumber: VALID_ID, name: '张三' },
    ...overrides,
  });

let position = 0n;
/** A published envelope as the projections read it back from the store (data at the current version). */
export function recorded(
  envelope: PublishedEnvelope,
  agency: Agency,
  recordedAt = '2024-07-01T00:00:00.000Z',
): RecordedHubEvent {
  position += 1n;
  return {
    type: envelope.type,
    data: envelope.data,
    metadata: metadataOf(envelope, agency),
    recorded: { streamName: 'test', revision: 0, position, recordedAt },
  } as RecordedHubEvent;
}

/** Folds events through a document projection, as the runner would: key → document. */
export function project<D>(
  projection: DocumentProjection<D>,
  events: readonly RecordedHubEvent[],
): Map<string, D> {
  const documents = new Map<string, D>();
  for (const event of events)
    for (const key of projection.keysOf(event))
      documents.set(key, projection.evolve(documents.get(key), event, key));
  return documents;
}
