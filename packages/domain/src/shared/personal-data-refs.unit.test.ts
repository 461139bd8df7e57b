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

  describe('given data where only some objects hold an ID number', () => {
    it('copies only those, keeping every field in its place, and shares the rest as given', () => {
      const untouched = { name: '示例公司', creditCode: '914403001922038216' };
      const data = {
        first: 1,
        worker: { before: 'a', idNumber: id, after: ['b'] },
        subject: untouched,
        last: 'z',
      };
      const sealed = sealPersonalDataIn(data, TEST_SEALER).data as typeof data;
      expect(Object.keys(sealed)).toEqual(['first', 'worker', 'subject', 'last']);
      expect(Object.keys(sealed.worker)).toEqual(['before', 'idNumber', 'after']);
      expect(sealed.worker.before).toBe('a');
      expect(sealed.worker.after).toBe(data.worker.after);
      expect(isSealedRef(sealed.worker.idNumber)).toBe(true);
      expect(sealed.subject).toBe(untouched);
      // What was given is as it was.
      expect(data.worker.idNumber).toBe(id);
      // Control: data holding no ID number comes back as the very object given.
      expect(sealPersonalDataIn({ subject: untouched }, TEST_SEALER).data).toEqual({
        subject: untouched,
      });
      const plain = { subject: untouched, n: 1 };
      expect(sealPersonalDataIn(plain, TEST_SEALER).data).toBe(plain);
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
