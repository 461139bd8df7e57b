import { randomBytes } from 'node:crypto';
import { VERIFIED_FIELDS, type VerifiedRecord } from '@hub/domain';
import { CompactRegistryReader, CompactRegistryWriter } from './compact-registry.js';

const matchKey = () => randomBytes(24).toString('base64url');

function certificate(i: number): VerifiedRecord {
  return {
    issued: true,
    holderKey: matchKey(),
    holderNameKey: matchKey(),
    holderMasked: `310101********${String(i % 10000).padStart(4, '0')}`,
    operationCategory: '建筑电工',
    operationItem: i % 2 ? '建筑电工' : '高处作业吊篮安装拆卸工',
    issuedOn: '2022-03-01',
    validUntil: `2028-0${1 + (i % 9)}-28`,
    ...(i % 3 === 0 ? { nextReviewDue: '2025-03-01' } : {}),
    ...(i % 7 === 0 ? { revokedOn: '2024-05-01', revocationReason: `第${i}号决定撤销` } : {}),
  };
}

/** What verification reads of a record (the index keeps exactly that). */
const verified = (record: VerifiedRecord) =>
  Object.fromEntries(
    VERIFIED_FIELDS.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]),
  );

describe('compact registry', () => {
  it('gives back what verification reads of every certificate, and nothing for unknown keys', () => {
    const writer = new CompactRegistryWriter();
    const records = new Map<string, VerifiedRecord>();
    for (let i = 0; i < 1000; i++) {
      const key = matchKey();
      const record = { ...certificate(i), lastEventId: `e${i}`, holderSealed: 'k1.x.y.z' };
      records.set(key, record);
      writer.put(key, record);
    }
    const reader = new CompactRegistryReader(writer.memory);
    for (const [key, record] of records) expect(reader.get(key)).toEqual(verified(record));
    expect(reader.get(matchKey())).toBeUndefined();
    expect(writer.size).toBe(1000);
  });

  it('keeps a certificate known but not issued, and one without holder data', () => {
    const writer = new CompactRegistryWriter();
    const [a, b] = [matchKey(), matchKey()];
    writer.put(a, { issued: false });
    writer.put(b, { issued: true, validUntil: '2030-01-01' });
    const reader = new CompactRegistryReader(writer.memory);
    expect(reader.get(a)).toEqual({ issued: false });
    expect(reader.get(b)).toEqual({ issued: true, validUntil: '2030-01-01' });
  });

  it('replaces a changed certificate (a revocation) for readers already holding the memory', () => {
    const writer = new CompactRegistryWriter();
    const key = matchKey();
    writer.put(key, certificate(1));
    const reader = new CompactRegistryReader(writer.memory);
    expect(reader.get(key)).not.toHaveProperty('revokedOn');
    writer.put(key, { ...certificate(1), revokedOn: '2024-06-01', revocationReason: '伪造材料' });
    expect(reader.get(key)).toMatchObject({
      revokedOn: '2024-06-01',
      revocationReason: '伪造材料',
    });
    expect(writer.size).toBe(1);
    expect(reader.generation).toBe(writer.memory.generation);
  });

  it('leaves a reader on an older generation a consistent snapshot until it adopts the new one', () => {
    const writer = new CompactRegistryWriter(0, 10);
    const first = matchKey();
    writer.put(first, certificate(1));
    const reader = new CompactRegistryReader(writer.memory);
    const later: string[] = [];
    while (writer.memory.generation === reader.generation) writer.put(matchKey(), certificate(0));
    for (let i = 0; i < 3000; i++) {
      later.push(matchKey());
      writer.put(later[i]!, certificate(i));
    }
    expect(reader.get(first)).toMatchObject({ issued: true });
    expect(later.filter((key) => reader.get(key) !== undefined)).toEqual([]);
    reader.adopt(writer.memory);
    expect(later.every((key) => reader.get(key) !== undefined)).toBe(true);
  });

  it('grows its slots and segments into new generations that hold every certificate', () => {
    const writer = new CompactRegistryWriter(0, 10);
    const keys: string[] = [];
    for (let i = 0; i < 70_000; i++) {
      keys.push(matchKey());
      writer.put(keys[i]!, { issued: true, validUntil: `20${10 + (i % 80)}-01-01` });
    }
    expect(writer.memory.generation).toBeGreaterThan(1);
    const reader = new CompactRegistryReader(writer.memory);
    const wrong = keys.filter(
      (key, i) =>
        JSON.stringify(reader.get(key)) !==
        JSON.stringify({ issued: true, validUntil: `20${10 + (i % 80)}-01-01` }),
    );
    expect(wrong).toEqual([]);
    expect(writer.size).toBe(70_000);
  });

  it('sends records it cannot hold, and keys that are not match keys, to the read models', () => {
    const writer = new CompactRegistryWriter();
    const key = matchKey();
    writer.put(key, { issued: true, holderKey: 'not-a-match-key' });
    const long = matchKey();
    writer.put(long, { issued: true, holderMasked: '持证人姓名很长很长很长很长' });
    const reader = new CompactRegistryReader(writer.memory);
    expect(reader.get(key)).toBe('elsewhere');
    expect(reader.get(long)).toBe('elsewhere');
    expect(reader.get('type:T310101195001011234')).toBe('elsewhere');
    expect(() => writer.put('short', { issued: true })).toThrow(/not a 32-character match key/);
  });
});
