import {
  finding,
  inspection,
  published,
  residentIdFor,
  VALID_ID,
  TEST_CONTEXT,
} from './testing/index.js';
import {
  addresseesOf,
  AGENCIES,
  EVENT_DEFINITIONS,
  eventTypesPublishableBy,
  FORM_TEMPLATES,
  isHubEventType,
  sourcesOf,
  streamOf,
  TWO_HUNDRED_PERCENT_RATES,
  upcast,
  validatePublishedEvent,
  type EventMetadata,
} from './index.js';

const problemsOf = (raw: unknown, agency: (typeof AGENCIES)[number] = 'emergency') => {
  const result = validatePublishedEvent(raw, agency, 0, TEST_CONTEXT);
  return result.ok ? [] : result.problems;
};

describe('event catalogue', () => {
  it('declares publishers, a title and a stream for every type', () => {
    for (const d of EVENT_DEFINITIONS) {
      expect(d.publishers.length).toBeGreaterThan(0);
      expect(d.titleZh).not.toHaveLength(0);
    }
  });

  it('lets each of the seven agencies publish something', () => {
    for (const agency of AGENCIES)
      expect(eventTypesPublishableBy(agency).length).toBeGreaterThan(0);
  });

  it('keeps criminal-justice facts with their agencies', () => {
    expect(eventTypesPublishableBy('police')).toEqual(
      expect.arrayContaining(['CaseFiled', 'CaseDeclined', 'ClueReceiptSigned']),
    );
    expect(eventTypesPublishableBy('emergency')).not.toContain('CaseFiled');
    // Besides its own facts, every agency records its screenings and unmaskings (audit events)
    // and registers or revokes the keys that sign its batches.
    expect(eventTypesPublishableBy('court')).toEqual([
      'CaseAcceptedByCourt',
      'JudgmentDelivered',
      'PersonalDataUnmasked',
      'RosterScreened',
      'AgencyKeyRegistered',
      'AgencyKeyRevoked',
    ]);
  });

  it('puts every event of a clue in the clue stream', () => {
    expect(streamOf({ type: 'ClueTransferred', data: { clueId: 'C-1' } as never })).toBe(
      'clue-C-1',
    );
    expect(streamOf({ type: 'CaseDeclined', data: { clueId: 'C-1' } as never })).toBe('clue-C-1');
  });

  it('addresses a declined case to the transferring agency and the procuratorate, never the publisher', () => {
    const metadata = { agency: 'police' } as EventMetadata;
    expect(
      addresseesOf({
        type: 'CaseDeclined',
        data: { clueId: 'C', transferringAgency: 'market', reasons: 'x' },
        metadata,
      }),
    ).toEqual(['market', 'procuratorate']);
    expect(
      addresseesOf({
        type: 'NonProsecutionDecided',
        data: { opinion: { addressee: 'construction' } } as never,
        metadata: { agency: 'procuratorate' } as EventMetadata,
      }),
    ).toEqual(['construction', 'police']);
  });
});

describe('validating a published event', () => {
  it('accepts a valid event and fills the envelope from the credential', () => {
    const event = inspection();
    const result = validatePublishedEvent(event, 'emergency', 0, TEST_CONTEXT);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.stream).toBe('inspection-INS-1');
    expect(result.event.metadata).toMatchObject({
      agency: 'emergency',
      correlationId: event.id,
      causationId: null,
      schemaVersion: 1,
    });
  });

  it('refuses an unknown event type', () => {
    expect(problemsOf(published('CertificatePrinted', {}))).toEqual([
      expect.objectContaining({
        pointer: '/events/0/type',
        message: expect.stringMatching(/unknown event type/),
      }),
    ]);
  });

  it('refuses an unknown schema version, saying which versions exist', () => {
    expect(problemsOf(inspection('I', {}), 'emergency')).toEqual([]);
    const problems = problemsOf({ ...inspection(), schemaVersion: 7 });
    expect(problems[0]).toMatchObject({
      pointer: '/events/0/schemaVersion',
      message: expect.stringMatching(/versions 1 to 1/),
    });
  });

  it('locates a wrong ID check character by its path', () => {
    const wrong = VALID_ID.slice(0, 17) + '1';
    expect(problemsOf(finding({ worker: { idNumber: wrong, name: '张三' } }))).toEqual([
      expect.objectContaining({
        pointer: '/events/0/data/worker/idNumber',
        message: expect.stringMatching(/check character/),
      }),
    ]);
  });

  it('refuses an impossible birth date, full-width digits and a zero-width character in a name', () => {
    const feb30 = residentIdFor('19900230');
    expect(problemsOf(finding({ worker: { idNumber: feb30, name: '张三' } }))[0]?.message).toMatch(
      /birth date/,
    );
    expect(
      problemsOf(
        finding({ worker: { idNumber: '１１０１０５１９４９１２３１００２X', name: '张三' } }),
      )[0]?.message,
    ).toMatch(/full-width/);
    expect(
      problemsOf(finding({ worker: { idNumber: VALID_ID, name: '张\u200D三' } }))[0],
    ).toMatchObject({ pointer: '/events/0/data/worker/name' });
  });

  it('refuses a credit code with a wrong check character', () => {
    const problems = problemsOf(
      inspection('I', { subject: { creditCode: '914403001922038217', name: 'x' } }),
    );
    expect(problems[0]).toMatchObject({
      pointer: '/events/0/data/subject/creditCode',
      message: expect.stringMatching(/check character/),
    });
  });

  it('refuses an event of another agency as forbidden', () => {
    const problems = problemsOf(
      published('CaseFiled', { caseId: 'K', suspects: 1, offence: 'x' }),
      'emergency',
    );
    expect(problems).toEqual([
      expect.objectContaining({
        kind: 'forbidden',
        message: expect.stringMatching(/may not publish CaseFiled/),
      }),
    ]);
  });

  it('refuses an event that claims another agency than the credential', () => {
    expect(problemsOf({ ...inspection(), agency: 'market' }, 'emergency')[0]).toMatchObject({
      kind: 'forbidden',
      pointer: '/events/0/agency',
    });
  });

  it("refuses a certificate of another issuer's type", () => {
    const issued = published('CertificateIssued', {
      certificateType: 'special_equipment',
      number: 'SE310105001',
      holder: { idNumber: VALID_ID, name: '李四' },
      operationCategory: '起重机械作业',
      operationItem: '起重机司机',
      issuedOn: '2020-01-01',
      validUntil: '2024-01-01',
      issuingAuthority: 'x',
    });
    expect(problemsOf(issued, 'emergency')[0]).toMatchObject({
      kind: 'forbidden',
      message: expect.stringMatching(/issued by market/),
    });
    expect(problemsOf(issued, 'market')).toEqual([]);
  });

  it('refuses a time without an explicit offset and money that is not integer fen', () => {
    expect(problemsOf({ ...inspection(), occurredAt: '2024-06-20T10:00:00' })[0]?.pointer).toBe(
      '/events/0/occurredAt',
    );
    const fine = published(
      'FineImposed',
      {
        inspectionId: 'I',
        decisionNo: 'D',
        subjectKind: 'employer',
        target: { kind: 'enterprise', enterprise: { name: 'x' } },
        amountFen: 12.5,
      },
      { schemaVersion: 2 },
    );
    expect(problemsOf(fine)[0]).toMatchObject({
      pointer: '/events/0/data/amountFen',
      message: expect.stringMatching(/integer number of fen/),
    });
  });
});

describe('schema versions', () => {
  it('reads a v1 fine in whole yuan as a v2 fine in fen', () => {
    const v1 = {
      inspectionId: 'I',
      decisionNo: 'D',
      subjectKind: 'employer',
      target: { kind: 'enterprise', enterprise: { name: 'x' } },
      amountYuan: 20_000,
    };
    expect(
      validatePublishedEvent(published('FineImposed', v1), 'emergency', 0, TEST_CONTEXT).ok,
    ).toBe(true);
    const { amountYuan: _yuan, ...rest } = v1;
    expect(upcast('FineImposed', 1, v1)).toEqual({ ...rest, amountFen: 2_000_000 });
  });

  it('leaves current data as it is and refuses versions newer than it knows', () => {
    const data = { a: 1 };
    expect(upcast('InspectionConducted', 1, data)).toBe(data);
    expect(() => upcast('FineImposed', 3, data)).toThrow(/newer/);
  });
});

describe('coverage of the official forms', () => {
  // Each figure of the three forms of BRIEF §5 maps to the event types it is computed from.
  const figures = FORM_TEMPLATES.flatMap((form) =>
    form.lines.flatMap((line) => line.figures.map((figure) => ({ form: form.id, figure }))),
  );

  it.each(
    figures.map((f) => [`${f.form} ${f.figure.headerZh} (${f.figure.unit})`, f.figure] as const),
  )('%s has a source in the catalogue', (_label, figure) => {
    const sources = sourcesOf(figure.measure);
    expect(sources.length).toBeGreaterThan(0);
    for (const type of sources) expect(isHubEventType(type)).toBe(true);
  });

  it('has every column of the Shanghai form, including cases and persons prosecuted', () => {
    const shanghai = FORM_TEMPLATES.find((f) => f.id === 'shanghai-2024')!;
    expect(shanghai.lines).toHaveLength(15);
    expect(shanghai.lines.find((l) => l.figures.length === 2)?.figures.map((f) => f.unit)).toEqual([
      '件',
      '人',
    ]);
  });

  it('has a source for both "two 100%" rates', () => {
    for (const rate of TWO_HUNDRED_PERCENT_RATES) {
      expect(
        [...sourcesOf(rate.numerator), ...sourcesOf(rate.denominator)].every(isHubEventType),
      ).toBe(true);
    }
  });
});
