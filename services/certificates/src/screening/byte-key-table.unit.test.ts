import { randomBytes } from 'node:crypto';
import { ByteKeyTable } from './byte-key-table.js';

describe('byte key table', () => {
  it('finds every key added, through many growths, with the value and record it was added with', () => {
    const table = new ByteKeyTable(8, 12, 4);
    const records = randomBytes(12 * 20_000);
    for (let i = 0; i < 20_000; i++) expect(table.findOrAdd(records, i * 12, i)).toBe(-1);
    expect(table.size).toBe(20_000);
    for (let i = 0; i < 20_000; i += 997) {
      const entry = table.findOrAdd(records, i * 12, -5);
      expect(table.value(entry)).toBe(i);
      expect(table.sameBytes(entry, 8, records, i * 12 + 8, 4)).toBe(true);
    }
    expect(table.size).toBe(20_000);
  });

  it('tells keys apart that share their hash bytes, and compares only the key to find', () => {
    const table = new ByteKeyTable(6, 8);
    const a = Uint8Array.from([1, 2, 3, 4, 5, 6, 70, 71]);
    const b = Uint8Array.from([1, 2, 3, 4, 5, 9, 70, 71]); // same first four bytes
    const aElsewhere = Uint8Array.from([1, 2, 3, 4, 5, 6, 0, 0]); // same key, other payload
    expect(table.findOrAdd(a, 0, 10)).toBe(-1);
    expect(table.findOrAdd(b, 0, 20)).toBe(-1);
    const entry = table.findOrAdd(aElsewhere, 0, 30);
    expect(table.value(entry)).toBe(10);
    expect(table.sameBytes(entry, 6, a, 6, 2)).toBe(true);
    expect(table.sameBytes(entry, 6, aElsewhere, 6, 2)).toBe(false);
  });

  it('refuses keys too short to hash or longer than their record', () => {
    expect(() => new ByteKeyTable(3, 8)).toThrow(/4 bytes or more/);
    expect(() => new ByteKeyTable(9, 8)).toThrow(/part of its record/);
  });
});
