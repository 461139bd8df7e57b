import { CertificateRef } from '../shared/refs.js';
import {
  CERTIFICATE_RULES,
  certificateNumberProblem,
  certificateTypeOf,
  numberFitsFormat,
} from './rules.js';

describe('certificate numbers as issued', () => {
  describe('given the construction certificate’s published numbering (建质〔2008〕75号 provinces’ rules)', () => {
    const rules = CERTIFICATE_RULES.construction_special_operations;

    it.each([
      ['晋A012008000001', 'Shanxi’s published example: a Taiyuan 建筑电工 of 2008'],
      ['苏B052015000123', 'Jiangsu: city B, category 05, 2015'],
      ['沪A012021000101', 'Shanghai'],
    ])('accepts %s (%s) in every event and check', (number) => {
      expect(
        CertificateRef.safeParse({ type: 'construction_special_operations', number }).success,
      ).toBe(true);
      expect(certificateNumberProblem('construction_special_operations', number)).toBeUndefined();
      expect(numberFitsFormat(rules, number, undefined)).toBe(true);
    });

    it('keeps its published example in the rules (the first case above)', () => {
      expect(rules.numberFormat).toMatchObject({ kind: 'pattern', example: '晋A012008000001' });
    });

    it('notes a number that is a number but not in the published format (an older numbering)', () => {
      expect(certificateNumberProblem('construction_special_operations', 'A100001')).toMatchObject({
        kind: 'format',
        message: expect.stringMatching(/^建筑施工特种作业操作资格证编号应为省级简称/),
      });
    });
  });

  it.each([
    ['假证123', 'a Chinese character that is no province abbreviation'],
    ['沪沪A0120080001', 'two of them'],
    ['沪A 012008000001', 'a space'],
    ['沪A０１2008000001', 'full-width digits'],
    ['沪', 'too short'],
    ['A1', 'too short'],
    ['沪A01200800000🙂', 'an emoji'],
  ])('keeps refusing garbage: %s (%s)', (number) => {
    expect(
      CertificateRef.safeParse({ type: 'construction_special_operations', number }).success,
    ).toBe(false);
    expect(certificateNumberProblem('construction_special_operations', number)?.kind).toBe(
      'invalid',
    );
  });

  it('says what to write instead, Chinese first', () => {
    expect(certificateNumberProblem('special_operations', 'Ｔ11010519491231002X')?.message).toMatch(
      /^证书编号含全角字符，请改为半角/,
    );
    expect(certificateNumberProblem('special_operations', 'X11010519491231002X')?.message).toMatch(
      /^特种作业操作证编号应为“T”加持证人身份证号（如 T110105\*{8}002X）/,
    );
  });

  it('never echoes an ID number in clear, typed half- or full-width (the messages reach files and screens)', () => {
    const id = '11010519491231002X';
    const fullWidth = 'Ｔ１１０１０５１９４９１２３１００２Ｘ';
    for (const number of [fullWidth, `T ${id}`, `T${id}?`, `X${id}`]) {
      const message = certificateNumberProblem('special_operations', number)?.message ?? '';
      // Positive control: the message does show the number, masked.
      expect([number, message]).toEqual([number, expect.stringContaining('110105')]);
      expect([number, message]).toEqual([number, expect.not.stringContaining(id)]);
      expect([number, message]).toEqual([number, expect.not.stringContaining('１９４９１２３１')]);
    }
  });
});

describe('certificate types by name', () => {
  it.each([
    ['特种作业操作证', 'special_operations'],
    ['中华人民共和国特种作业操作证', 'special_operations'],
    ['建筑施工特种作业操作资格证', 'construction_special_operations'],
    ['建筑施工特种作业操作资格证书', 'construction_special_operations'],
    ['特种设备安全管理和作业人员证', 'special_equipment'],
    ['安全生产知识和管理能力考核合格证', 'safety_management'],
    [' 特种作业操作证 ', 'special_operations'],
    ['special_equipment', 'special_equipment'],
  ])('reads %s as %s', (text, type) => {
    expect(certificateTypeOf(text)).toBe(type);
  });

  it('reads nothing else as a type', () => {
    expect(certificateTypeOf('驾驶证')).toBeUndefined();
    expect(certificateTypeOf('')).toBeUndefined();
  });
});
