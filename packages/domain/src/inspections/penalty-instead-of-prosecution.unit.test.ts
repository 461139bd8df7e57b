import {
  finding,
  inspection,
  project,
  published,
  recorded,
  VALID_CREDIT_CODE,
} from '../testing/index.js';
import {
  inspectionOutcomeProjection,
  penaltyInsteadOfProsecution,
} from './penalty-instead-of-prosecution.js';

const emergency = (e: Parameters<typeof recorded>[0]) => recorded(e, 'emergency');
const fined = emergency(
  published('FineImposed', {
    inspectionId: 'INS-1',
    subjectKind: 'employer',
    target: {
      kind: 'enterprise',
      enterprise: { creditCode: VALID_CREDIT_CODE, name: '示例机械有限公司' },
    },
    amountFen: 5_000_000,
  }),
);
const fakes = ['F-1', 'F-2', 'F-3'].map((findingId) =>
  emergency(finding({ findingId, kind: 'bought' })),
);
const transferred = emergency(
  published('ClueTransferred', {
    clueId: 'C-1',
    origin: 'enforcement',
    toPoliceUnit: '310105',
    suspectedOffence: '买卖国家机关证件罪',
    suspects: 3,
    fakeCertificates: 3,
    relatedInspectionIds: ['INS-1'],
  }),
);

const outcome = (...events: ReturnType<typeof emergency>[]) =>
  project(inspectionOutcomeProjection, events).get('INS-1')!;

describe('以罚代刑 flag', () => {
  it('flags an inspection whose fake certificates met the criteria but ended with a fine only', () => {
    const doc = outcome(emergency(inspection('INS-1')), ...fakes, fined);
    expect(doc).toMatchObject({ finedFen: '5000000', transferred: false });
    expect(penaltyInsteadOfProsecution(doc)).toBe(true);
  });

  it('keeps the fines of an inspection exact past 2^53 fen', () => {
    const before = {
      ...outcome(emergency(inspection('INS-1')), fined),
      finedFen: '9007199254740993',
    };
    const another = emergency(published('FineImposed', fined.data));
    const after = inspectionOutcomeProjection.evolve(before, another, 'INS-1');
    expect(after.finedFen).toBe('9007199259740993');
  });

  it('does not flag it once a transferred clue names the inspection, even if the clue came first', () => {
    expect(
      penaltyInsteadOfProsecution(
        outcome(transferred, emergency(inspection('INS-1')), ...fakes, fined),
      ),
    ).toBe(false);
  });

  it('follows the configured criteria: below the count, no flag; a seller needs only one', () => {
    const two = outcome(emergency(inspection('INS-1')), ...fakes.slice(0, 2), fined);
    expect(penaltyInsteadOfProsecution(two)).toBe(false);
    expect(
      penaltyInsteadOfProsecution(two, { fakeCertificatesAtLeast: 2, sellerSubjectKinds: [] }),
    ).toBe(true);
    const seller = outcome(
      emergency(inspection('INS-1', { subjectKind: 'intermediary' })),
      fakes[0]!,
      fined,
    );
    expect(penaltyInsteadOfProsecution(seller)).toBe(true);
  });

  it('counts a finding delivered twice once', () => {
    expect(outcome(...fakes, fakes[0]!).fakeFindingIds).toEqual(['F-1', 'F-2', 'F-3']);
  });
});
