import { project, published, recorded } from '../testing/index.js';
import { caseTrackingProjection, caseView, procuratorWorklistReasons } from './tracking.js';

const on = (day: string) => ({ occurredAt: `${day}T10:00:00+08:00`, reportingUnit: '310105' });
const caseId = 'K1';
const filed = recorded(
  published(
    'CaseFiled',
    {
      caseId,
      clueId: 'C9',
      transferringAgency: 'emergency',
      suspects: 3,
      offence: '买卖国家机关证件罪',
    },
    on('2024-07-02'),
  ),
  'police',
);
const intervened = recorded(
  published('EarlyInterventionStarted', { caseId, procurator: 'P-7' }, on('2024-07-03')),
  'procuratorate',
);
const notProsecuted = recorded(
  published(
    'NonProsecutionDecided',
    {
      caseId,
      persons: 1,
      kind: 'discretionary',
      opinion: { opinionId: 'OP-1', addressee: 'emergency', recommendation: '建议给予行政处罚' },
    },
    on('2024-08-01'),
  ),
  'procuratorate',
);
const penalty = recorded(
  published(
    'ReturnedCasePenaltyDecided',
    {
      caseId,
      trigger: 'non_prosecution',
      outcome: 'penalty_imposed',
      penaltyDecisionNos: ['罚-1'],
      decidedOn: '2024-08-10',
    },
    on('2024-08-10'),
  ),
  'emergency',
);
const replied = recorded(
  published(
    'ProcuratorialOpinionReplied',
    { caseId, opinionId: 'OP-1', summary: '已处罚' },
    on('2024-08-12'),
  ),
  'emergency',
);

const viewOf = (...events: Parameters<typeof caseTrackingProjection.evolve>[1][]) =>
  caseView(project(caseTrackingProjection, events).get(caseId)!);

describe('prosecution tracking', () => {
  it('puts an early-intervention case on the procurator’s worklist until it is decided', () => {
    const view = viewOf(filed, intervened);
    expect(view).toMatchObject({
      stage: 'filed',
      earlyIntervention: true,
      suspects: 3,
      clueId: 'C9',
    });
    expect(procuratorWorklistReasons(view)).toEqual(['early_intervention']);
  });

  it('follows a non-prosecution through the reverse link: penalty decided, then the reply', () => {
    expect(procuratorWorklistReasons(viewOf(filed, intervened, notProsecuted))).toEqual([
      'awaiting_penalty_after_non_prosecution',
      'awaiting_reply_to_opinion',
    ]);
    expect(procuratorWorklistReasons(viewOf(filed, intervened, notProsecuted, penalty))).toEqual([
      'awaiting_reply_to_opinion',
    ]);
    const done = viewOf(filed, intervened, notProsecuted, penalty, replied);
    expect(done.reverseLink).toEqual({
      opinionId: 'OP-1',
      addressee: 'emergency',
      penaltyDecided: true,
      replied: true,
    });
    expect(procuratorWorklistReasons(done)).toEqual([]);
  });

  it('reaches the same view whatever order the events arrive in', () => {
    expect(viewOf(replied, notProsecuted, filed, penalty, intervened)).toEqual(
      viewOf(filed, intervened, notProsecuted, penalty, replied),
    );
  });

  it('tracks prosecution, trial and judgment in persons', () => {
    const prosecuted = recorded(
      published(
        'ProsecutionFiled',
        { caseId, defendants: 2, charges: '买卖国家机关证件罪', courtUnit: '长宁区人民法院' },
        on('2024-08-01'),
      ),
      'procuratorate',
    );
    const judged = recorded(
      published(
        'JudgmentDelivered',
        {
          caseId,
          courtCaseNo: '(2024)沪0105刑初1号',
          convictedPersons: 2,
          acquittedPersons: 0,
          deliveredOn: '2024-10-01',
          statute: '刑法第二百八十条',
        },
        on('2024-10-01'),
      ),
      'court',
    );
    const view = viewOf(filed, prosecuted, judged);
    expect(view).toMatchObject({
      stage: 'judged',
      prosecutedPersons: 2,
      judgment: { convictedPersons: 2, acquittedPersons: 0, deliveredOn: '2024-10-01' },
    });
    expect(procuratorWorklistReasons(view)).toEqual([]);
  });
});
