import { EVENT_DEFINITIONS } from '../../catalogue.js';
import { SelfInspectionReported } from '../../self-inspection/events.js';
import { validatePublishedEvent } from '../../ingestion/validate-published-event.js';
import { eventJsonSchemas } from '../../json-schemas.js';
import {
  inspection,
  published,
  VALID_CREDIT_CODE,
  VALID_ID,
  TEST_CONTEXT,
} from '../../testing/index.js';
import {
  NAME_KINDS,
  nameProblem,
  nameSchema,
  normaliseName,
  OrganisationName,
  PersonName,
  type NameKind,
} from './index.js';

/** 𠀀 (U+20000, CJK Extension B) is one character but two UTF-16 units. */
const EXT_B = '\u{20000}';

const problemsOf = (event: unknown) => {
  const result = validatePublishedEvent(event, 'emergency', 0, TEST_CONTEXT);
  return result.ok ? [] : result.problems;
};

describe('names', () => {
  describe('when a name is written in CJK Extension B characters', () => {
    it('counts characters, not UTF-16 units: 40 Ext-B characters are a valid person name', () => {
      expect(PersonName.safeParse(EXT_B.repeat(40))).toEqual({
        success: true,
        data: EXT_B.repeat(40),
      });
    });

    it('refuses 65 characters as longer than 64, saying how many, Chinese first', () => {
      expect(PersonName.safeParse(EXT_B.repeat(65)).error?.issues[0]).toMatchObject({
        message: expect.stringMatching(/^姓名超过 64 个字符（65 个）/),
        params: { code: 'NAME_TOO_LONG' },
      });
    });
  });

  describe('when a name holds an invisible character', () => {
    it.each([
      ['zero-width space', '\u200B'],
      ['zero-width joiner', '\u200D'],
      ['byte-order mark', '\uFEFF'],
      ['right-to-left override', '\u202E'],
      ['variation selector', '\uFE0F'],
      ['Hangul filler', '\u3164'],
      ['soft hyphen', '\u00AD'],
    ])('refuses an enterprise name with a %s, Chinese first', (_label, invisible) => {
      const event = inspection('INS-1', {
        subject: { creditCode: VALID_CREDIT_CODE, name: `示例${invisible}机械有限公司` },
      });
      expect(problemsOf(event)).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/^名称含不可见字符/),
          code: 'NAME_INVISIBLE_CHARACTER',
        }),
      ]);
    });

    it('says which character it is', () => {
      expect(nameProblem('张\u200B三', 'person')?.message).toMatch(/U\+200B/);
    });

    it('refuses the event with a coded problem at the name, for a person and an enterprise', () => {
      const event = inspection('INS-1', {
        subject: { creditCode: VALID_CREDIT_CODE, name: '示例\u200B机械有限公司' },
      });
      expect(problemsOf(event)).toEqual([
        expect.objectContaining({
          pointer: '/events/0/data/subject/name',
          code: 'NAME_INVISIBLE_CHARACTER',
        }),
      ]);
      const fine = published(
        'FineImposed',
        {
          inspectionId: 'INS-1',
          decisionNo: 'D-1',
          subjectKind: 'employer',
          target: {
            kind: 'responsible_person',
            person: { idNumber: VALID_ID, name: '张\u200B三' },
            role: 'worker',
          },
          amountFen: 100,
        },
        { schemaVersion: 2 },
      );
      expect(problemsOf(fine)).toEqual([
        expect.objectContaining({
          pointer: '/events/0/data/target/person/name',
          code: 'NAME_INVISIBLE_CHARACTER',
        }),
      ]);
    });
  });

  it('replaces look-alike spaces by U+0020, so equal-looking names are equal', () => {
    expect(OrganisationName.parse('Acme\u00A0Co.,\u2009Ltd ')).toBe('Acme Co., Ltd');
  });

  describe('in every event type and version', () => {
    /** Free text that is not a name: descriptions, reasons, document numbers, keywords … */
    const FREE_TEXT = new Set([
      'description',
      'note',
      'reason',
      'reasons',
      'grounds',
      'summary',
      'recommendation',
      'charges',
      'statute',
      'offence',
      'suspectedOffence',
      'legalBasis',
      'decisionNo',
      'courtCaseNo',
      'penaltyDecisionNos',
      'purpose',
      'keyword',
      'evidence',
      'type',
    ]);
    /** Identifiers with value objects of their own (GB 11643, GB 32100: ASCII alphabets). */
    const IDENTIFIERS = new Set(['idNumber', 'creditCode', 'employer', 'publicKeyPem']);
    type Json = Record<string, unknown>;
    /** Every string property without a pattern, format or enum: text someone typed. */
    function freeStrings(schema: Json, path: string, key: string, out: Array<[string, Json]>) {
      if (
        schema.type === 'string' &&
        !schema.pattern &&
        !schema.format &&
        !schema.enum &&
        !('const' in schema)
      )
        out.push([path || key, schema]);
      for (const [k, v] of Object.entries((schema.properties as Record<string, Json>) ?? {}))
        freeStrings(v, `${path}/${k}`, k, out);
      if (schema.items) freeStrings(schema.items as Json, `${path}/*`, key, out);
      for (const alternative of [
        ...((schema.anyOf as Json[]) ?? []),
        ...((schema.oneOf as Json[]) ?? []),
      ])
        freeStrings(alternative, path, key, out);
      return out;
    }
    const fields = eventJsonSchemas().flatMap(({ file, schema }) =>
      freeStrings(schema as Json, '', '', []).map(
        ([path, s]) =>
          [
            `${file}${path}`,
            path
              .split('/')
              .filter((p) => p !== '*')
              .pop()!,
            s,
          ] as const,
      ),
    );

    it('has found the name fields of the catalogue', () => {
      expect(EVENT_DEFINITIONS.length).toBeGreaterThan(40);
      expect(fields.filter(([, , s]) => s['x-name-kind']).length).toBeGreaterThan(20);
    });

    it.each(
      fields
        .filter(([, key]) => !FREE_TEXT.has(key) && !IDENTIFIERS.has(key))
        .map(([where, , s]) => [where, s]),
    )('%s is a name checked by the one name value object', (_where, schema) => {
      expect(schema).toHaveProperty('x-name-kind');
    });
  });
});

describe('names checked the quick way when they are plain', () => {
  // The general way, as it stood before plain names were checked without Unicode tables: the
  // quick way must agree with it on every text.
  const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;
  const general = (value: string, kind: NameKind) => {
    const normalised = value
      .normalize('NFC')
      .replace(/[\u00A0\u1680\u2000-\u200A\u202F\u205F]/g, ' ')
      .trim();
    const name =
      kind === 'person'
        ? normalised.replace(/[\u2022\u2027\u2219\u22C5\u30FB\uFF0E\uFF65\u16EB]/g, '\u00B7')
        : normalised;
    const length = [...name].length;
    const invisible = INVISIBLE.test(value);
    return {
      name,
      code: invisible
        ? 'NAME_INVISIBLE_CHARACTER'
        : length === 0
          ? 'NAME_EMPTY'
          : length > NAME_KINDS[kind].maxLength
            ? 'NAME_TOO_LONG'
            : undefined,
    };
  };
  // Plain characters, and next to them every kind the quick way must leave to the general one:
  // combining marks, compatibility ideographs, look-alike spaces and dots, invisible ones,
  // Extension B, a lone surrogate, full-width forms, tabs.
  const PLAIN = [...'aZ0 .-()&', ...'示例机械有限公司', '\uFF08', '\uFF09'];
  const ODD = [
    '\u0301',
    'e\u0301',
    '\uF900',
    '\u00A0',
    '\u3000',
    '\u2022',
    '\u30FB',
    '\uFF0E',
    '\u200B',
    '\u00AD',
    '\u{20000}',
    '\uD800',
    '\uFF21',
    '\t',
    '\u007F',
    '\u1100\u1161',
    '\u2800',
  ];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (pool: readonly string[]) => pool[Math.floor(random() * pool.length)]!;
  const plainText = () => Array.from({ length: Math.floor(random() * 70) }, () => pick(PLAIN));
  // A third plain, a third plain but for one odd character inside, a third anything.
  const texts = Array.from({ length: 4500 }, (_, i) => {
    const chars = plainText();
    if (i % 3 === 1) chars.splice(Math.floor(random() * (chars.length + 1)), 0, pick(ODD));
    if (i % 3 === 2) return chars.map(() => pick(random() < 0.5 ? PLAIN : ODD)).join('');
    return chars.join('');
  });

  it.each(['person', 'organisation', 'category'] as const)(
    'agrees with the general way on 4,500 random %s names, plain and not',
    (kind) => {
      let plain = 0;
      for (const text of texts) {
        const expected = general(text, kind);
        expect({ text, code: nameProblem(text, kind)?.code }).toEqual({
          text,
          code: expected.code,
        });
        if (expected.code === undefined) {
          expect({ text, name: normaliseName(text, kind) }).toEqual({ text, name: expected.name });
          const parsed = nameSchema(kind).safeParse(text);
          expect({ text, data: parsed.data }).toEqual({ text, data: expected.name });
        }
        if (/^[\x20-\x7E\u4E00-\u9FFF\uFF08\uFF09]*$/.test(text)) plain++;
      }
      // Both ways were exercised: some texts were plain, most were not.
      expect(plain).toBeGreaterThan(texts.length / 4);
      expect(plain).toBeLessThan(texts.length / 2);
    },
  );
});

describe('a name refused inside an event', () => {
  /** A self-inspection report claiming more certified workers than it has: a cross-field problem. */
  const overclaiming = (enterpriseName: string) =>
    SelfInspectionReported.schema.safeParse({
      reportId: 'R-1',
      enterprise: { creditCode: VALID_CREDIT_CODE, name: enterpriseName },
      specialOperationsWorkers: 1,
      certifiedWorkers: 5,
      fakeCertificatesFound: 0,
      uncertifiedWorkers: 0,
      reportedForHandling: 0,
    }).error?.issues ?? [];

  it("leaves the event's other checks to report their problems beside it", () => {
    const issues = overclaiming('   ');
    expect(issues.map((i) => [i.path.join('.'), i.code])).toEqual([
      ['enterprise.name', 'custom'],
      ['certifiedWorkers', 'custom'],
    ]);
    expect(issues[0]).toMatchObject({ params: { code: 'NAME_EMPTY' } });
  });

  it('reports the other check alone when the name is good (control)', () => {
    expect(overclaiming('示例机械有限公司').map((i) => i.path.join('.'))).toEqual([
      'certifiedWorkers',
    ]);
  });
});
