/**
 * `hub audit purge`: refused inside the retention period (one line, Chinese first, exit 2),
 * carried out past it with the hub's clock given, leaving an anchor that keeps the chain whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditChain, type AuditBody } from '@hub/audit';
import { loadConfig, type HubConfig } from '../config.js';
import { openAuditLog } from '../compose.js';
import { auditCommand } from './audit-commands.js';
import { describeFailure } from './failure.js';

const DAY = 86_400_000;
let dir: string;
let config: HubConfig;
let n = 0;

const body = (at: string): AuditBody => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  at,
  actor: { kind: 'user', id: 'u-1', role: 'procurator', units: ['310105'] },
  action: 'personal_data.unmask',
  purpose: '审查起诉',
  subject: { holderKey: 'HK-1' },
  from: { ip: '10.0.0.1' },
  result: { outcome: 'ok' },
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-audit-purge-'));
  config = loadConfig({ HUB_DATA_DIR: dir, LOG_LEVEL: 'silent' }, dir);
  const log = openAuditLog(config);
  await log.append([
    body('2024-01-10T02:00:00.000Z'),
    body('2024-03-10T02:00:00.000Z'),
    body('2024-12-10T02:00:00.000Z'),
  ]);
  await log.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function records() {
  const log = openAuditLog(config);
  try {
    return (await log.query({}, { first: 100 })).records;
  } finally {
    await log.close();
  }
}

describe('hub audit purge', () => {
  it('refuses a date inside the retention period, Chinese first, exit 2, and removes nothing', async () => {
    const lines: string[] = [];
    const now = () => new Date('2024-06-01T00:00:00+08:00');
    const refusal = await auditCommand(
      config,
      ['purge'],
      { before: '2024-03-01' },
      (l) => lines.push(l),
      now,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    const failure = describeFailure(refusal);
    expect(failure.exitCode).toBe(2);
    expect(failure.line).toMatch(
      /^审计记录须保留至少 183 天：2024-03-01 之前的记录尚在保留期内，不予清除；最多可清除 2023-12-01 之前的记录 \/ audit records are kept at least 183 days/,
    );
    expect(lines).toEqual([]);
    const left = await records();
    expect(left.filter((r) => r.action === 'personal_data.unmask')).toHaveLength(3);
    expect(left[0]).toMatchObject({
      action: 'audit.purge',
      result: { outcome: 'refused', code: 'AUDIT_RETENTION' },
    });
  });

  it('purges records older than the date once it is past retention (the positive control), keeping an anchor', async () => {
    const lines: string[] = [];
    const now = () => new Date(Date.parse('2024-04-01T00:00:00+08:00') + 200 * DAY);
    await auditCommand(config, ['purge'], { before: '2024-04-01' }, (l) => lines.push(l), now);
    expect(lines).toEqual([
      expect.stringMatching(
        /^已清除 2 条 2024-04-01 之前的审计记录；锚点：序号 2，哈希 sha256:[0-9a-f]{64}/,
      ),
    ]);
    const left = await records();
    expect(left.map((r) => r.action)).toEqual(['audit.purge', 'personal_data.unmask']);
    expect(left[0]).toMatchObject({
      result: { outcome: 'ok' },
      subject: { count: 2, period: '..2024-04-01' },
    });
    const log = openAuditLog(config);
    try {
      expect(await verifyAuditChain(log)).toMatchObject({
        records: 2,
        anchors: 1,
        purged: 2,
        problems: [],
      });
    } finally {
      await log.close();
    }
  });

  it('will not be configured for less than 183 days', () => {
    expect(() => loadConfig({ HUB_DATA_DIR: dir, HUB_AUDIT_RETENTION_DAYS: '180' }, dir)).toThrow(
      /HUB_AUDIT_RETENTION_DAYS="180": 审计记录至少保留 183 天/,
    );
    expect(
      loadConfig({ HUB_DATA_DIR: dir, HUB_AUDIT_RETENTION_DAYS: '365' }, dir)
        .HUB_AUDIT_RETENTION_DAYS,
    ).toBe(365);
  });
});
