import {
  creditCodeCheckCharacter,
  creditCodeProblem,
  CreditCode,
  divisionLevel,
  enclosingDivisions,
  fenFromYuan,
  formatFen,
  containsIdNumber,
  maskIdNumbersIn,
  maskResidentId,
  normalisePersonName,
  PersonName,
  residentIdCheckCharacter,
  residentIdProblem,
  ResidentIdNumber,
} from './index.js';

// The specimen number printed in GB 11643-1999 itself.
const STANDARD_EXAMPLE = '11010519491231002X';

describe('resident ID number (GB 11643)', () => {
  it('accepts the example of the standard and one with a digit check character', () => {
    expect(residentIdProblem(STANDARD_EXAMPLE)).toBeUndefined();
    const first17 = '31010519900307123';
    expect(residentIdProblem(first17 + residentIdCheckCharacter(first17))).toBeUndefined();
  });

  it('reads a lower-case x as X', () => {
    expect(ResidentIdNumber.parse('11010519491231002x')).toBe(STANDARD_EXAMPLE);
  });

  it('rejects a wrong check character, saying which rule failed', () => {
    expect(residentIdProblem('110105194912310021')).toMatch(/check character/);
  });

  it.each([
    ['19490230', 'February 30th'],
    ['19491301', 'month 13'],
    ['18991231', 'before 1900'],
    ['19000229', '1900 was not a leap year'],
  ])('rejects the impossible birth date %s (%s)', (date) => {
    const first17 = `110105${date}002`;
    expect(residentIdProblem(first17 + residentIdCheckCharacter(first17))).toMatch(/birth date/);
  });

  it('accepts 29 February of a leap year', () => {
    const first17 = '11010520000229002';
    expect(residentIdProblem(first17 + residentIdCheckCharacter(first17))).toBeUndefined();
  });

  it('rejects full-width digits with a message that names them', () => {
    expect(residentIdProblem('１１０１０５１９４９１２３１００２X')).toMatch(/full-width/);
  });

  it('rejects wrong lengths and letters in the digits', () => {
    expect(residentIdProblem('11010519491231002')).toMatch(/17 digits/);
    expect(residentIdProblem('1101051949123A002X')).toMatch(/17 digits/);
  });

  it('masks all but the first 6 and last 4 characters', () => {
    expect(maskResidentId(STANDARD_EXAMPLE)).toBe('110105********002X');
  });
});

describe('unified social credit code (GB 32100)', () => {
  // Codes of well-known companies, as published in their business licences.
  it.each(['914403001922038216', '91330100799655058B', '9144030071526726XG'])(
    'computes the check character of %s',
    (code) => {
      expect(creditCodeCheckCharacter(code.slice(0, 17))).toBe(code[17]);
    },
  );

  it('accepts a valid code and rejects a changed check character', () => {
    const first17 = '91310105MA1FL3LH3';
    const code = first17 + creditCodeCheckCharacter(first17);
    expect(creditCodeProblem(code)).toBeUndefined();
    const wrong = first17 + (code[17] === 'A' ? 'B' : 'A');
    expect(creditCodeProblem(wrong)).toMatch(/check character/);
  });

  it('rejects letters outside the alphabet (I, O, S, V, Z) and lower case', () => {
    expect(creditCodeProblem('91310105MA1FL3LHIK')).toMatch(/"I"/);
    expect(creditCodeProblem('91310105ma1fl3lh3k')).toMatch(/alphabet/);
  });

  it('rejects full-width characters and wrong lengths', () => {
    expect(creditCodeProblem('９１310105MA1FL3LH3K')).toMatch(/full-width/);
    expect(creditCodeProblem('9131')).toMatch(/18 characters/);
    expect(CreditCode.safeParse('9131').success).toBe(false);
  });

  it('accepts exactly the codes every rule accepts, checked the quick way (10,000 random codes)', () => {
    const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    // Each rule on its own, as GB 32100 states them.
    const valid = (code: string) =>
      code.length === 18 &&
      [...code].every((c) => ALPHABET.includes(c)) &&
      /^\d{6}$/.test(code.slice(2, 8)) &&
      creditCodeCheckCharacter(code.slice(0, 17)) === code[17];
    let seed = 11;
    const random = (n: number) =>
      Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
    const odd = ['I', 'O', 'S', 'V', 'Z', 'a', '９', 'Ａ', ' ', '-', '\u00E9'];
    const codes = Array.from({ length: 10_000 }, (_, i) => {
      const chars = Array.from({ length: 17 }, (_, at) =>
        at >= 2 && at < 8 ? String(random(10)) : ALPHABET[random(ALPHABET.length)]!,
      );
      const code = chars.join('') + creditCodeCheckCharacter(chars.join(''));
      const at = random(18);
      switch (i % 5) {
        case 0:
          return code; // valid
        case 1: // one character changed within the alphabet (the check may still hold)
          return code.slice(0, at) + ALPHABET[random(ALPHABET.length)] + code.slice(at + 1);
        case 2: // one character from outside it
          return code.slice(0, at) + odd[random(odd.length)] + code.slice(at + 1);
        case 3: // a character too many or too few
          return random(2) ? code + '0' : code.slice(1);
        default: {
          // A letter where the division code's digits are, under a check character that holds.
          const p = 2 + random(6);
          const first17 = code.slice(0, p) + 'A' + code.slice(p + 1, 17);
          return first17 + creditCodeCheckCharacter(first17);
        }
      }
    });
    const accepted = codes.filter((c) => creditCodeProblem(c) === undefined);
    expect(accepted).toEqual(codes.filter(valid));
    // Both answers were given often.
    expect(accepted.length).toBeGreaterThan(2000);
    expect(accepted.length).toBeLessThan(4000);
  });
});

describe('person name', () => {
  it('normalises to NFC and replaces look-alike name dots with U+00B7', () => {
    expect(normalisePersonName('阿卜杜拉•买买提')).toBe('阿卜杜拉·买买提');
    expect(normalisePersonName('阿卜杜拉・买买提')).toBe('阿卜杜拉·买买提');
    expect(normalisePersonName('Ame\u0301lie')).toBe('Amélie');
  });

  it('rejects a zero-width character, naming it', () => {
    const result = PersonName.safeParse('张\u200B三');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/U\+200B/);
  });

  it('rejects bidirectional controls and control characters', () => {
    expect(PersonName.safeParse('张\u202E三').success).toBe(false);
    expect(PersonName.safeParse('张\n三').success).toBe(false);
  });

  it('rejects an empty name', () => {
    expect(PersonName.safeParse('   ').success).toBe(false);
  });
});

describe('money in fen', () => {
  it('converts whole yuan exactly and refuses fractions', () => {
    expect(fenFromYuan(12_345)).toBe(1_234_500);
    expect(() => fenFromYuan(1.5)).toThrow(RangeError);
  });

  it('formats fen in 元 and 万元 without floating point error', () => {
    expect(formatFen(123_450, '元')).toBe('1234.50');
    expect(formatFen(123_450, '万元')).toBe('0.123450');
    expect(formatFen(2_000_000_001, '万元')).toBe('2000.000001');
    // 0.1 + 0.2 style errors would show here.
    expect(formatFen(10 + 20, '元')).toBe('0.30');
  });
});

describe('administrative division codes', () => {
  it('knows the level and the enclosing divisions', () => {
    expect(divisionLevel('310105')).toBe('district');
    expect(divisionLevel('440700')).toBe('city');
    expect(divisionLevel('440000')).toBe('province');
    expect(enclosingDivisions('310105')).toEqual(['310100', '310000']);
    expect(enclosingDivisions('440700')).toEqual(['440000']);
    expect(enclosingDivisions('440000')).toEqual([]);
  });
});

describe('ID numbers inside a text', () => {
  it('masks them half-width, full-width (a Chinese input method) and after letters', () => {
    const full = '１１０１０５１９４９１２３１００２Ｘ';
    expect(maskIdNumbersIn(`持证人 ${STANDARD_EXAMPLE}，证号 T${STANDARD_EXAMPLE}`)).toBe(
      '持证人 110105********002X，证号 T110105********002X',
    );
    expect(maskIdNumbersIn(`收到 ${full}`)).toBe('收到 １１０１０５********００２Ｘ');
    expect(containsIdNumber(`收到 ${full}`)).toBe(true);
  });

  it('leaves longer runs of digits and shorter ones alone (control)', () => {
    for (const text of ['1234567890123456789', '12345678901234567', '１２３４５'])
      expect([text, maskIdNumbersIn(text), containsIdNumber(text)]).toEqual([text, text, false]);
  });
});
