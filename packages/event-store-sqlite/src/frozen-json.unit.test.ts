import { freezeIfJsonValue } from './frozen-json.js';

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

function isDeepFrozen(value: unknown): boolean {
  if (!value || typeof value !== 'object') return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

describe('freezeIfJsonValue', () => {
  it.each([
    ['a string', 'text'],
    ['a number', 42.5],
    ['false', false],
    ['null', null],
    ['an empty object', {}],
    ['nested objects and arrays', { a: [1, 'two', null, true, { b: [] }], c: { d: 'e' } }],
    ['what JSON.parse made', JSON.parse('{"x":[{"y":1}],"__proto__":{"z":2}}') as unknown],
  ])('freezes %s, deeply: it is what the stored text gives back', (_, value) => {
    expect(freezeIfJsonValue(value)).toBe(true);
    expect(isDeepFrozen(value)).toBe(true);
    expect(roundTrip(value)).toStrictEqual(value);
  });

  class Inspection {
    constructor(readonly id: string) {}
  }
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays

  it.each([
    ['a Date', { at: new Date(0) }],
    ['an undefined field', { a: 1, b: undefined }],
    ['NaN', { n: NaN }],
    ['Infinity', [Infinity]],
    ['-0', { z: -0 }],
    ['an array with a hole', { list: sparse }],
    ['an undefined element', [1, undefined]],
    ['a class instance', { inspection: new Inspection('I-1') }],
    ['an object without prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['a toJSON method', { a: 1, toJSON: () => 'other' }],
    ['a bigint', { big: 1n }],
    ['undefined', undefined],
  ])('leaves %s alone, unfrozen: its readers parse the text', (_, value) => {
    expect(freezeIfJsonValue(value)).toBe(false);
    // Nothing of it was frozen, not even the parts that were plain JSON.
    if (value && typeof value === 'object') expect(Object.isFrozen(value)).toBe(false);
  });

  it('answers false, and throws nothing, for a value whose getter throws', () => {
    let reads = 0;
    const value = {
      get once() {
        if (++reads > 1) throw new Error('read twice');
        return 1;
      },
    };
    expect(JSON.stringify(value)).toBe('{"once":1}');
    expect(freezeIfJsonValue(value)).toBe(false);
    expect(Object.isFrozen(value)).toBe(false);
  });

  it('leaves the plain parts of a value alone when a deeper part is not plain', () => {
    const plainPart = { ok: true };
    const value = { plainPart, later: { at: new Date(0) } };
    expect(freezeIfJsonValue(value)).toBe(false);
    expect(Object.isFrozen(plainPart)).toBe(false);
  });
});
