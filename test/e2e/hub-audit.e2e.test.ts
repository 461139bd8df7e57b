/**
 * `hub audit` as people use it: Chinese column titles first, times in Asia/Shanghai, every
 * change and export of the command line on the record; a purge inside the retention period
 * refused in one line with exit 2; `hub verify` names an audit record changed by one byte.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HUB_MAIN, hubCli, tempDataDir } from '../support/hub-process';

jest.setTimeout(60_000);

// A valid resident ID number (GB 11643 check character), of nobody.
const ID_NUMBER = '11010519491231002X';

describe('hub audit', () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dataDir = tempDataDir();
    env = { HUB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    for (const args of [
      ['token', 'create', '--agency', 'police', '--units', '310000'],
      ['user', 'create', '--role', 'auditor', '--name', '审计员', '--units', '000000'],
      ['report', 'shanghai-2024', '--unit', '310000', '--period', '2024-08'],
    ])
      expect(hubCli(args, env).status).toBe(0);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the trail newest first under Chinese-first column titles, times in Asia/Shanghai', () => {
    const result = hubCli(['audit'], env);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]!.split('\t')).toEqual([
      '时间（北京）time',
      '操作人 actor',
      '角色 role',
      '部门/单位 agency/units',
      '操作 action',
      '目的 purpose',
      '对象 subject',
      '来源 from',
      '结果 result',
    ]);
    const actions = lines.slice(1, -1).map((l) => l.split('\t')[4]);
    expect(actions).toEqual([
      '导出统计报表 export.form',
      '创建用户 user.create',
      '创建接入凭证 credential.create',
    ]);
    const [at, actor] = lines[1]!.split('\t');
    expect(at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // Asia/Shanghai is UTC+8: the printed time is eight hours ahead of UTC.
    const printed = Date.parse(`${at!.replace(' ', 'T')}+08:00`);
    expect(Math.abs(printed - Date.now())).toBeLessThan(120_000);
    expect(actor).toMatch(/^cli:/);
    expect(lines[lines.length - 1]).toMatch(/^共 3 条（北京时间，新的在前） \/ 3 records/);
  });

  it('filters by a holder’s ID number read from standard input, which never reaches the file', () => {
    const result = spawnSync(
      process.execPath,
      [HUB_MAIN, 'audit', '--holder', '-', '--format', 'jsonl'],
      {
        env: { ...process.env, ...env },
        input: `${ID_NUMBER}\n`,
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    const read = hubCli(['audit', '--action', 'audit', '--format', 'jsonl', '--limit', '1'], env);
    const [last] = read.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { action: string; subject: { holderKey?: string }; atShanghai: string },
      );
    expect(last).toMatchObject({
      action: 'audit.read',
      subject: { holderKey: expect.any(String) },
    });
    const bytes = Buffer.concat(
      ['audit.db', 'audit.db-wal']
        .map((f) => join(dataDir, f))
        .filter(existsSync)
        .map((f) => readFileSync(f)),
    );
    expect(bytes.includes(Buffer.from(ID_NUMBER))).toBe(false);
  });

  it('refuses a purge inside the retention period in one line, Chinese first, with exit 2', () => {
    const yesterday = new Date(Date.now() - 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);
    const result = hubCli(['audit', 'purge', '--before', yesterday], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^hub: 审计记录须保留至少 183 天：/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('has hub verify name an audit record changed by one byte', () => {
    expect(hubCli(['verify'], env).stdout).toMatch(/审计结果：审计记录完整/);
    const db = new Database(join(dataDir, 'audit.db'));
    try {
      const row = db
        .prepare<[], { seq: number; document: string }>(
          "SELECT seq, document FROM audit_log WHERE action = 'user.create'",
        )
        .get()!;
      db.prepare('UPDATE audit_log SET document = ? WHERE seq = ?').run(
        row.document.replace('auditor', 'auditer'),
        row.seq,
      );
    } finally {
      db.close();
    }
    const verify = hubCli(['verify'], env);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(
      new RegExp(`审计记录 audit record 2 \\([0-9a-f-]+\\) \\[content_altered\\]`),
    );
  });
});
