import { boundOf, shanghaiTime } from './time.js';

describe('audit times', () => {
  it('shows instants in Asia/Shanghai', () => {
    expect(shanghaiTime('2024-12-31T16:30:05.123Z')).toBe('2025-01-01 00:30:05');
  });

  it('reads a date as a whole Asia/Shanghai day, and an instant with its offset', () => {
    expect(boundOf('2025-01-01', 'from')).toBe('2024-12-31T16:00:00.000Z');
    expect(boundOf('2025-01-01', 'to')).toBe('2025-01-01T16:00:00.000Z');
    expect(boundOf('2025-01-01T08:00:00+08:00', 'from')).toBe('2025-01-01T00:00:00.000Z');
  });

  it('refuses a date that does not exist and an instant without its offset, naming the filter', () => {
    expect(() => boundOf('2025-02-30', 'from')).toThrow(/^from 应为日期/);
    expect(() => boundOf('2025-01-01T08:00:00', 'to', '--to')).toThrow(/^--to 应为日期/);
  });
});
