import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUB_MAIN, hubCli, tempDataDir } from '../support/hub-process';

/** What every refused command must look like: one line, Chinese first, exit 2, no stack. */
function expectOneLineRefusal(result: { status: number | null; stdout: string; stderr: string }) {
  expect(result.status).toBe(2);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hub: \S/);
  // Chinese first, then English after " / ".
  const [zh, ...en] = lines[0]!.split(' / ');
  expect(zh).toMatch(/[\u4e00-\u9fff]/);
  expect(en.join(' / ')).toMatch(/^[-A-Za-z]/);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/undefined|Error:/);
}

jest.setTimeout(60_000);

describe('hub command line mistakes', () => {
  let dataDir: string;
  const env = () => ({ HUB_DATA_DIR: dataDir });
  beforeAll(() => {
    dataDir = tempDataDir();
    expect(hubCli(['demo'], env()).status).toBe(0);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const mistakes: Array<[string, string[], RegExp]> = [
    ['a missing --period', ['report', 'shanghai-2024', '--unit', '310000'], /缺少 --period/],
    [
      'a 5-digit unit code',
      ['report', 'shanghai-2024', '--unit', '31010', '--period', '2024-08'],
      /6 位行政区划代码/,
    ],
    [
      'a unit in no province',
      ['report', 'shanghai-2024', '--unit', '890000', '--period', '2024-08'],
      /890000/,
    ],
    [
      'a unit that does not exist',
      ['report', 'shanghai-2024', '--unit', '310150', '--period', '2024-08'],
      /未知的行政区划代码 310150/,
    ],
    [
      'an unknown form',
      ['report', 'shanghai-2025', '--unit', '310000', '--period', '2024-08'],
      /没有报表 "shanghai-2025"/,
    ],
    [
      'a month that is not a reporting period',
      ['report', 'shanghai-2024', '--unit', '310000', '--period', '2024-07'],
      /2024-07/,
    ],
    [
      'a malformed period',
      ['report', 'guangdong-2018', '--unit', '440700', '--period', '2024-9'],
      /--period/,
    ],
    [
      'a period for a campaign form',
      ['report', 'jiangjin-2023', '--unit', '120000', '--period', '2023-08'],
      /不用 --period/,
    ],
    [
      'a malformed --as-of',
      ['report', 'jiangjin-2023', '--unit', '120000', '--as-of', 'yesterday'],
      /--as-of/,
    ],
    [
      'an unknown format',
      ['report', 'jiangjin-2023', '--unit', '120000', '--format', 'pdf'],
      /--format/,
    ],
    [
      'an output file in a missing directory',
      ['report', 'jiangjin-2023', '--unit', '120000', '--out', '/nonexistent/dir/form.csv'],
      /\/nonexistent\/dir\/form\.csv/,
    ],
    [
      'a misspelt option',
      ['report', 'shanghai-2024', '--unit', '310000', '--peroid', '2024-08'],
      /未知选项 --peroid/,
    ],
    ['an option without its value', ['report', 'shanghai-2024', '--unit'], /--unit 缺少取值/],
    ['a ledger for a unit that does not exist', ['ledger', '--unit', '310199'], /310199/],
    ['an unknown command', ['reprot'], /未知命令 "reprot"/],
    ['token create without an agency', ['token', 'create'], /缺少 --agency/],
    ['token create for an unknown agency', ['token', 'create', '--agency', 'fire'], /"fire"/],
    ['token revoke of an unknown id', ['token', 'revoke', 'nope'], /nope/],
    [
      'user create with an unknown role',
      ['user', 'create', '--role', 'boss', '--name', '张三'],
      /"boss"/,
    ],
    [
      'user create with days that are not a number',
      ['user', 'create', '--role', 'analyst', '--name', '张三', '--days', 'ninety'],
      /--days/,
    ],
    [
      'user create with a 5-digit unit',
      ['user', 'create', '--role', 'analyst', '--name', '张三', '--units', '31010'],
      /--units/,
    ],
    [
      'an agency officer without an agency',
      ['user', 'create', '--role', 'agency_officer', '--name', '张三', '--units', '310105'],
      /agency/,
    ],
    [
      'user create without units',
      ['user', 'create', '--role', 'analyst', '--name', '张三'],
      /缺少 --units/,
    ],
    ['token create without units', ['token', 'create', '--agency', 'emergency'], /缺少 --units/],
    [
      'certificates import of a missing file',
      [
        'certificates',
        'import',
        '--agency',
        'emergency',
        '--file',
        '/nonexistent.csv',
        '--unit',
        '310000',
      ],
      /\/nonexistent\.csv/,
    ],
    [
      'certificates screen without a purpose',
      [
        'certificates',
        'screen',
        '--agency',
        'emergency',
        '--file',
        '/etc/hostname',
        '--unit',
        '310000',
      ],
      /--purpose/,
    ],
    [
      'certificates import with an unknown type',
      [
        'certificates',
        'import',
        '--agency',
        'emergency',
        '--file',
        '/etc/hostname',
        '--unit',
        '310000',
        '--type',
        'driving',
      ],
      /"driving"/,
    ],
    [
      'a rebuild of an unknown read model',
      ['projections', 'rebuild', 'everything'],
      /"everything"/,
    ],
    ['schemas with an unknown action', ['schemas', 'publish'], /hub schemas/],
  ];

  it.each(mistakes)('%s: one line, Chinese first, exit 2, no stack trace', (_what, args, says) => {
    const result = hubCli(args, env());
    expectOneLineRefusal(result);
    expect(result.stderr).toMatch(says);
  });

  it('a malformed rules file: one line naming the variable', () => {
    const rules = join(dataDir, 'rules.json');
    writeFileSync(rules, '{ not json');
    const result = hubCli(['ledger'], { ...env(), HUB_RULES_FILE: rules });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('HUB_RULES_FILE');
  });

  it('start on a port in use: one line naming the port, exit 2', async () => {
    const taken: Server = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    try {
      // A hub that starts anyway (the bug this guards against) is killed after 15 s.
      const run = spawnSync(process.execPath, [HUB_MAIN, 'start'], {
        env: { ...process.env, PORT: String(port), HUB_DATA_DIR: tempDataDir() },
        encoding: 'utf8',
        timeout: 15_000,
      });
      const result = { status: run.status, stdout: run.stdout, stderr: run.stderr };
      expectOneLineRefusal(result);
      expect(result.stderr).toContain(`端口 ${port} 已被占用`);
    } finally {
      taken.close();
    }
  });

  it('a reader that closes the pipe early (hub report … | head) ends the command quietly', async () => {
    const child = spawn(
      process.execPath,
      [
        HUB_MAIN,
        'report',
        'guangdong-2018',
        '--unit',
        '440000',
        '--period',
        '2024-09',
        '--format',
        'json',
      ],
      { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The reader is gone before the first line is written.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
