import { residentIdFor } from '@hub/domain/testing';
import { chainBodies } from './chain.js';
import type { AuditLog } from './port.js';
import type { AuditBody, AuditEntry } from './record.js';
import { AuditTrail, AuditUnavailableError } from './trail.js';

/** A log that keeps what it is given, and fails while told to. */
function fakeLog() {
  const appends: AuditBody[][] = [];
  let failing = false;
  let seq = 0;
  const log: AuditLog = {
    alg: 'sha256',
    async append(bodies) {
      if (failing) throw new Error('disk full');
      appends.push([...bodies]);
      const rows = chainBodies('sha256', { seq, hash: undefined }, bodies);
      seq += bodies.length;
      return rows.map((r, i) => ({ ...bodies[i]!, seq: r.seq, hash: r.hash }));
    },
    query: async () => ({ records: [], hasNextPage: false, endCursor: null }),
    purge: async () => ({ purged: 0 }),
    readRows: async () => [],
    anchors: async () => [],
    close: async () => undefined,
  };
  return {
    log,
    appends,
    fail: (on: boolean) => {
      failing = on;
    },
  };
}

const entry = (overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: { kind: 'user', id: 'u-1' },
  action: 'export.ledger',
  result: { outcome: 'ok' },
  ...overrides,
});

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the audit trail', () => {
  it('buffers reads in memory and writes them together within the flush interval', async () => {
    const { log, appends } = fakeLog();
    const trail = new AuditTrail(log, { flushMs: 20 });
    trail.record(entry());
    trail.record(entry({ action: 'export.form' }));
    expect(appends).toEqual([]);
    await tick(60);
    expect(appends.map((a) => a.map((b) => b.action))).toEqual([['export.ledger', 'export.form']]);
    await trail.close();
  });

  it('writes as soon as a batch is full', async () => {
    const { log, appends } = fakeLog();
    const trail = new AuditTrail(log, { flushMs: 10_000, batchSize: 3 });
    for (let i = 0; i < 3; i++) trail.record(entry());
    await tick(5);
    expect(appends.map((a) => a.length)).toEqual([3]);
    await trail.close();
  });

  it('writes an opening of personal data before it resolves, after what was buffered, in one transaction', async () => {
    const { log, appends } = fakeLog();
    const trail = new AuditTrail(log, { flushMs: 10_000 });
    trail.record(entry());
    const stored = await trail.recordNow(entry({ action: 'personal_data.unmask' }));
    expect(stored).toMatchObject({ seq: 2, action: 'personal_data.unmask' });
    expect(appends.map((a) => a.map((b) => b.action))).toEqual([
      ['export.ledger', 'personal_data.unmask'],
    ]);
    await trail.close();
  });

  it('refuses an opening whose record cannot be written, and keeps the buffered records for a retry', async () => {
    const { log, appends, fail } = fakeLog();
    const errors: Array<{ pending: number; lost: number }> = [];
    const trail = new AuditTrail(log, { flushMs: 10_000, onError: (_e, d) => errors.push(d) });
    trail.record(entry());
    fail(true);
    await expect(trail.recordNow(entry({ action: 'personal_data.unmask' }))).rejects.toBeInstanceOf(
      AuditUnavailableError,
    );
    await trail.flush();
    expect(errors).toEqual([{ pending: 1, lost: 0 }]);
    fail(false);
    await trail.flush();
    // The refused opening was never done, so it is not on the record; the read is.
    expect(appends.flat().map((b) => b.action)).toEqual(['export.ledger']);
    await trail.close();
  });

  it('loses the oldest records past its bound while the log cannot be written, and says how many', async () => {
    const { log, fail } = fakeLog();
    const errors: Array<{ pending: number; lost: number }> = [];
    const trail = new AuditTrail(log, {
      flushMs: 10_000,
      maxBuffered: 2,
      onError: (_e, d) => errors.push(d),
    });
    fail(true);
    for (let i = 0; i < 5; i++) trail.record(entry());
    await trail.flush();
    expect(errors).toEqual([{ pending: 2, lost: 3 }]);
    fail(false);
    await trail.close();
  });

  it('writes what is left on close, and reports a record that arrives after', async () => {
    const { log, appends } = fakeLog();
    const lost: string[] = [];
    const trail = new AuditTrail(log, {
      flushMs: 10_000,
      onError: (e) => lost.push((e as Error).message),
    });
    trail.record(entry());
    await trail.close();
    expect(appends.flat()).toHaveLength(1);
    trail.record(entry({ action: 'export.form' }));
    expect(lost).toEqual(['audit trail closed: a export.form record was lost']);
  });

  it('never lets an ID number into the log, even in free text', async () => {
    const { log, appends } = fakeLog();
    const trail = new AuditTrail(log);
    const id = residentIdFor('19800101', 7);
    await trail.recordNow(
      entry({
        purpose: `核实 ${id} 的身份`,
        subject: { args: { note: `T${id}` }, holderKey: 'HK' },
      }),
    );
    const written = JSON.stringify(appends);
    expect(written).not.toContain(id);
    expect(written).toContain(`${id.slice(0, 6)}********${id.slice(-4)}`);
    expect(written).toContain('"holderKey":"HK"');
    await trail.close();
  });
});
