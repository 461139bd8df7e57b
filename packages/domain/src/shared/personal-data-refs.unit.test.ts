import { residentIdFor, TEST_SEALER } from '../testing/index.js';
import { isSealedRef, sealPersonalDataIn } from './personal-data-refs.js';

describe('sealing the ID numbers of event data', () => {
  const id = residentIdFor();

  describe('given an ID number in its own field, deep in the data', () => {
    it('seals it and leaves the rest as it was', () => {
      const sealed = sealPersonalDataIn(
        { workers: [{ name: '张三', idNumber: id }], count: 1 },
        TEST_SEALER,
      );
      expect(sealed.problems).toEqual([]);
      const worker = (sealed.data as { workers: Array<Record<string, unknown>> }).workers[0]!;
      expect(isSealedRef(worker.idNumber)).toBe(true);
      expect(worker.name).toBe('张三');
      expect((sealed.data as { count: number }).count).toBe(1);
    });
  });

  describe('given an ID number in clear in free text', () => {
    it('names the path of each, through arrays and objects', () => {
      const { problems } = sealPersonalDataIn(
        {
          note: 'short',
          workers: [{ remark: '无' }, { remark: `持证人 ${id}` }],
          nested: { deeper: [`身份证 ${id}`] },
        },
        TEST_SEALER,
      );
      expect(problems.map((p) => p.path)).toEqual([
        ['workers', 1, 'remark'],
        ['nested', 'deeper', 0],
      ]);
    });

    it('finds none in text shorter than an ID number, nor in a sealed reference', () => {
      const { problems } = sealPersonalDataIn(
        { a: id.slice(0, 17), b: TEST_SEALER.sealIdNumber(id) },
        TEST_SEALER,
      );
      expect(problems).toEqual([]);
    });
  });
});
