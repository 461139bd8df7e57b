import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DEADLINE_RULES, DEFAULT_TRANSFER_CRITERIA } from '@hub/domain';
import { loadRules } from './rules.js';

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'hub-rules-')), 'rules.json');
  writeFileSync(path, content);
  return path;
};

describe('local rules (HUB_RULES_FILE)', () => {
  it('uses the defaults without a file', () => {
    expect(loadRules(undefined)).toEqual({
      deadlineRules: DEFAULT_DEADLINE_RULES,
      transferCriteria: DEFAULT_TRANSFER_CRITERIA,
    });
  });

  it('sets an unconfirmed period in place, and adds a newer version of a rule', () => {
    const rules = loadRules(
      file(
        JSON.stringify({
          deadlineRules: [
            {
              id: 'declined-case-penalty',
              inForceFrom: '2020-08-07',
              withinHours: 720,
              source: '本市办法第5条',
            },
            { id: 'filing-decision', inForceFrom: '2025-01-01', withinHours: 48 },
          ],
          transferCriteria: { fakeCertificatesAtLeast: 5, sellerSubjectKinds: [] },
        }),
      ),
    );
    expect(rules.deadlineRules.filter((r) => r.id === 'declined-case-penalty')).toEqual([
      expect.objectContaining({ withinHours: 720, source: '本市办法第5条' }),
    ]);
    expect(
      rules.deadlineRules
        .filter((r) => r.id === 'filing-decision')
        .map((r) => [r.inForceFrom, r.withinHours]),
    ).toEqual([
      ['2020-08-07', 72],
      ['2025-01-01', 48],
    ]);
    expect(rules.transferCriteria).toEqual({ fakeCertificatesAtLeast: 5, sellerSubjectKinds: [] });
  });

  it('names the file and the problem when the file is wrong', () => {
    expect(() => loadRules(file('{'))).toThrow(/HUB_RULES_FILE=.*cannot be read as JSON/);
    expect(() =>
      loadRules(file('{"deadlineRules":[{"id":"nope","inForceFrom":"2024-01-01"}]}')),
    ).toThrow(/no deadline rule "nope"/);
    expect(() => loadRules(file('{"deadlineRules":[{"id":"x","inForceFrom":"soon"}]}'))).toThrow(
      /deadlineRules\.0\.inForceFrom/,
    );
  });
});
