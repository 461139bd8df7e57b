/**
 * The contract every audit log passes (SQLite and PostgreSQL), as a Jest suite. The harness
 * opens a fresh, empty log per test, can open a second connection to it, and can change a
 * stored record the way someone with access to the files or the database could.
 */
import type { HashAlg } from '@hub/crypto';
import { AuditCursorError, type AuditLog, type AuditQuery } from '../port.js';
import type { AuditBody, AuditOutcome } from '../record.js';
import { AuditRetentionError, MIN_AUDIT_RETENTION_DAYS } from '../retention.js';
import { verifyAuditChain } from '../verify.js';

export interface AuditLogHarness {
  /** A fresh, empty log on storage of its own. */
  open(alg: HashAlg): Promise<AuditLog>;
  /** Another connection to the storage of the log opened last. */
  reopen(): Promise<AuditLog>;
  /** Changes one stored record's document in place, hashes and columns left as they were. */
  alterDocument(seq: number, change: (document: string) => string): Promise<void>;
  /** Deletes one stored record, leaving the others as they were. */
  removeRecord(seq: number): Promise<void>;
  /** Changes one stored record's indexed holder column, the document left as it was. */
  alterHolderColumn(seq: number, holderKey: string | null): Promise<void>;
}

let counter = 0;
export function body(overrides: Partial<AuditBody> = {}): AuditBody {
  counter += 1;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    at: '2025-01-10T02:00:00.000Z',
    actor: { kind: 'user', id: 'u-1', role: 'procurator', units: ['310105'] },
    action: 'export.ledger',
    subject: {},
    from: { ip: '127.0.0.1' },
    result: { outcome: 'ok' },
    ...overrides,
  };
}

const DAY = 86_400_000;

export function auditLogContract(harness: AuditLogHarness): void {
  const opened: AuditLog[] = [];
  const open = async (alg: HashAlg = 'sha256') => {
    const log = await harness.open(alg);
    opened.push(log);
    return log;
  };
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close();
  });

  const all = async (log: AuditLog, query: AuditQuery = {}) =>
    (await log.query(query, { first: 100 })).records;
  const ids = async (log: AuditLog, query: AuditQuery = {}) =>
    (await all(log, query)).map((r) => r.id);

  describe.each(['sha256', 'sm3'] as const)('chained with %s', (alg) => {
    it('appends in order, each record chained onto the one before, naming its algorithm', async () => {
      const log = await open(alg);
      const first = await log.append([body(), body()]);
      const second = await log.append([body({ purpose: '办案需要' })]);
      expect([...first, ...second].map((r) => r.seq)).toEqual([1, 2, 3]);
      for (const r of [...first, ...second])
        expect(r.hash).toMatch(new RegExp(`^${alg}:[0-9a-f]{64}$`));
      expect(second[0]!.purpose).toBe('办案需要');
      const report = await verifyAuditChain(log);
      expect(report).toMatchObject({
        records: 3,
        problems: [],
        head: { seq: 3, hash: second[0]!.hash },
      });
    });
  });

  it('chains appends that need not be durable at once like any other, and keeps them', async () => {
    const log = await open();
    await log.append([body()], { durable: false });
    await log.append([body()]);
    await log.append([body()], { durable: false });
    const other = await harness.reopen();
    opened.push(other);
    expect(await verifyAuditChain(other)).toMatchObject({ records: 3, problems: [] });
  });

  it('answers newest first, in pages that give every record once', async () => {
    const log = await open();
    const stored = await log.append(Array.from({ length: 7 }, () => body()));
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await log.query({}, { first: 3, ...(after ? { after } : {}) });
      seen.push(...page.records.map((r) => r.id));
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(seen).toEqual(stored.map((r) => r.id).reverse());
    await expect(log.query({}, { first: 3, after: 'bm9wZQ' })).rejects.toBeInstanceOf(
      AuditCursorError,
    );
  });

  it('filters by time, actor, agency, action code or family, holder, registry key, purpose and outcome', async () => {
    const log = await open();
    const outcome = (o: AuditOutcome) => ({ outcome: o });
    const [early, unmask, verify, exportForm, failed] = await log.append([
      body({ at: '2024-12-31T15:59:59.999Z' }),
      body({
        at: '2025-01-01T01:00:00.000Z',
        action: 'personal_data.unmask',
        actor: { kind: 'agency-system', id: 'tok-police', agency: 'police' },
        purpose: '刑事案件侦查需要核实身份',
        subject: { holderKey: 'HK-1', registryKey: 'RK-1' },
      }),
      body({
        at: '2025-01-02T01:00:00.000Z',
        action: 'certificate.verify',
        subject: { holderKey: 'HK-1', registryKey: 'RK-2' },
      }),
      body({
        at: '2025-01-03T01:00:00.000Z',
        action: 'export.form',
        subject: { form: 'shanghai-2024' },
      }),
      body({ at: '2025-01-04T01:00:00.000Z', action: 'auth.failed', result: outcome('refused') }),
    ]);
    expect(await ids(log, { from: '2025-01-01T00:00:00.000Z' })).toEqual(
      [failed, exportForm, verify, unmask].map((r) => r!.id),
    );
    expect(await ids(log, { to: '2025-01-01T00:00:00.000Z' })).toEqual([early!.id]);
    expect(await ids(log, { actorId: 'tok-police' })).toEqual([unmask!.id]);
    expect(await ids(log, { agency: 'police' })).toEqual([unmask!.id]);
    expect(await ids(log, { action: 'personal_data.unmask' })).toEqual([unmask!.id]);
    expect(await ids(log, { action: 'export' })).toEqual([exportForm!.id, early!.id]);
    expect(await ids(log, { action: 'expo' })).toEqual([]);
    expect(await ids(log, { holderKey: 'HK-1' })).toEqual([verify!.id, unmask!.id]);
    expect(await ids(log, { registryKey: 'RK-2' })).toEqual([verify!.id]);
    expect(await ids(log, { purpose: '侦查' })).toEqual([unmask!.id]);
    expect(await ids(log, { purpose: '%' })).toEqual([]);
    expect(await ids(log, { outcome: 'refused' })).toEqual([failed!.id]);
    expect(await ids(log, { holderKey: 'HK-1', action: 'certificate.verify' })).toEqual([
      verify!.id,
    ]);
  });

  it('scopes records to the reader’s units: the actor’s units or the subject’s unit; 000000 sees all', async () => {
    const log = await open();
    const [district, city, subject, none] = await log.append([
      body({ actor: { kind: 'user', id: 'a', units: ['310105'] } }),
      body({ actor: { kind: 'user', id: 'b', units: ['310000'] } }),
      body({
        actor: { kind: 'agency-system', id: 'c', units: ['000000'] },
        subject: { unit: '310104' },
      }),
      body({ actor: { kind: 'cli', id: 'root' } }),
    ]);
    expect(await ids(log, { scope: ['310105'] })).toEqual([district!.id]);
    expect(await ids(log, { scope: ['310000'] })).toEqual([subject!.id, city!.id, district!.id]);
    expect(await ids(log, { scope: ['440000'] })).toEqual([]);
    expect(await ids(log, { scope: ['000000'] })).toEqual(
      [none, subject, city, district].map((r) => r!.id),
    );
  });

  it('fills a page even when the reader’s scope leaves most records out', async () => {
    const log = await open();
    const mine = body({ actor: { kind: 'user', id: 'm', units: ['440703'] } });
    await log.append([mine, ...Array.from({ length: 1200 }, () => body())]);
    const page = await log.query({ scope: ['440000'] }, { first: 5 });
    expect(page.records.map((r) => r.id)).toEqual([mine.id]);
    expect(page.hasNextPage).toBe(false);
  });

  describe('retention', () => {
    const now = new Date('2025-07-01T00:00:00.000Z');
    const daysBefore = (days: number) => new Date(now.getTime() - days * DAY).toISOString();

    it('refuses a purge that reaches into the retention period, and removes nothing', async () => {
      const log = await open();
      await log.append([body({ at: daysBefore(400) }), body({ at: daysBefore(10) })]);
      await expect(
        log.purge({ before: daysBefore(182), now, retentionDays: MIN_AUDIT_RETENTION_DAYS }),
      ).rejects.toBeInstanceOf(AuditRetentionError);
      await expect(log.purge({ before: daysBefore(400), now, retentionDays: 30 })).rejects.toThrow(
        /183/,
      );
      expect(await all(log)).toHaveLength(2);
      expect(await log.anchors()).toEqual([]);
    });

    it('purges only records past the retention period, keeps an anchor, and what remains still verifies', async () => {
      const log = await open('sm3');
      const old = await log.append([body({ at: daysBefore(300) }), body({ at: daysBefore(200) })]);
      const recent = await log.append([body({ at: daysBefore(100) }), body({ at: daysBefore(1) })]);
      const result = await log.purge({ before: daysBefore(183), now, retentionDays: 183 });
      expect(result).toMatchObject({
        purged: 2,
        anchor: { throughSeq: 2, hash: old[1]!.hash, count: 2, totalCount: 2, retentionDays: 183 },
      });
      expect(await ids(log)).toEqual(recent.map((r) => r.id).reverse());
      const [later] = await log.append([body({ at: now.toISOString() })]);
      expect(later!.seq).toBe(5);
      expect(await verifyAuditChain(log)).toMatchObject({
        records: 3,
        anchors: 1,
        purged: 2,
        problems: [],
      });
    });

    it('chains the next record onto the anchor when every record was purged', async () => {
      const log = await open();
      await log.append([body({ at: daysBefore(400) }), body({ at: daysBefore(390) })]);
      await log.purge({ before: daysBefore(200), now, retentionDays: 183 });
      expect(await all(log)).toEqual([]);
      const [next] = await log.append([body({ at: now.toISOString() })]);
      expect(next!.seq).toBe(3);
      expect((await verifyAuditChain(log)).problems).toEqual([]);
      expect(await log.purge({ before: daysBefore(200), now, retentionDays: 183 })).toEqual({
        purged: 0,
      });
    });
  });

  describe('tampering', () => {
    it('names a record one byte of which was changed after it was chained', async () => {
      const log = await open();
      const stored = await log.append([body(), body({ purpose: '审查起诉需要' }), body()]);
      await harness.alterDocument(2, (d) => d.replace('审查起诉', '审查起认'));
      const report = await verifyAuditChain(log);
      expect(report.problems).toEqual([
        expect.objectContaining({ kind: 'content_altered', seq: 2, id: stored[1]!.id }),
      ]);
    });

    it('names a removed record, and the last record changed', async () => {
      const log = await open();
      await log.append([body(), body(), body(), body()]);
      await harness.alterDocument(4, (d) => d.replace('"ok"', '"failed"'));
      await harness.removeRecord(2);
      const kinds = (await verifyAuditChain(log)).problems.map((p) => [p.kind, p.seq]);
      expect(kinds).toEqual([
        ['records_missing', 3],
        ['content_altered', 4],
      ]);
    });

    it('names a record whose indexed columns no longer say what it says', async () => {
      const log = await open();
      await log.append([body({ subject: { holderKey: 'HK-9' } }), body()]);
      await harness.alterHolderColumn(1, null);
      expect((await verifyAuditChain(log)).problems).toEqual([
        expect.objectContaining({ kind: 'columns_altered', seq: 1 }),
      ]);
    });
  });

  it('keeps one chain when two connections append at once', async () => {
    const log = await open();
    const other = await harness.reopen();
    opened.push(other);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? log : other).append([body(), body()])),
    );
    const report = await verifyAuditChain(log);
    expect(report).toMatchObject({ records: 40, problems: [] });
  });
}
