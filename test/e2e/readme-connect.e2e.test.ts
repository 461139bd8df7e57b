/**
 * README "Connecting an agency", as a vendor follows it (issue 19.7): the documents are served
 * without a credential, the TypeScript example publishes a first event and then a duplicate,
 * the spreadsheet commands record the samples once, and the sheet table is the templates'.
 * The Java example's commands are run by java-client.e2e.test.ts; here, that the README gives them.
 */
import { execSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { SHEET_KINDS, SHEETS } from '../../services/hub/src/intake/sheets';
import {
  createTokens,
  hubCli,
  startHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(60_000);
const ROOT = resolve(__dirname, '../..');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
const SECTION = README.slice(
  README.indexOf('## Connecting an agency'),
  README.indexOf('## Configuration'),
);

let dataDir: string;
let hub: HubProcess;
let token: string;
beforeAll(async () => {
  dataDir = tempDataDir();
  token = createTokens(dataDir, ['emergency'] as const, '310105').emergency;
  hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
});
afterAll(() => {
  hub?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** A README line, run as written, with the hub's own address for 127.0.0.1:4000. */
function runLine(line: string, env: Record<string, string> = {}): string {
  expect(SECTION).toContain(line);
  return execSync(line.replaceAll('http://127.0.0.1:4000', hub.url), {
    cwd: ROOT,
    env: {
      ...process.env,
      AGENCY_HUB_URL: hub.url,
      AGENCY_TOKEN: token,
      HUB_DATA_DIR: dataDir,
      ...env,
    },
    encoding: 'utf8',
    shell: '/bin/bash',
  });
}

describe('README: connecting an agency', () => {
  it('serves the OpenAPI document and the catalogue without a credential', () => {
    const openapi = runLine('curl -s http://127.0.0.1:4000/v1/openapi.json | head -c 300');
    expect(openapi).toMatch(/^\{"openapi":"3\.1\.0"/);
    const catalogue = runLine('curl -s http://127.0.0.1:4000/v1/catalogue | head -c 300');
    expect(catalogue).toContain('"type":"CertificateIssued"');
    expect(SECTION).toContain('http://127.0.0.1:4000/docs/api');
  });

  it('publishes a first event from TypeScript, then the same one as a duplicate', () => {
    const lines = runLine('node packages/client/dist/examples/first-event.js INS-TS-0001')
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^accepted=1 duplicate=false id=/);
    expect(lines[1]).toMatch(/^accepted=1 duplicate=true id=/);
  });

  it('gives the Java commands that java-client.e2e.test.ts runs', () => {
    expect(SECTION).toContain(
      'cd clients/java && mvn -q compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt',
    );
    expect(SECTION).toContain(
      'java -cp "target/classes:$(cat target/cp.txt)" cn.hub.client.Example INS-JAVA-0001',
    );
  });

  it('records the sample sheets once: the second upload records nothing', () => {
    const commands = [
      'npm run hub -- import events --agency emergency --file samples/events-inspections.xlsx --sheet inspections',
      'npm run hub -- import events --agency emergency --file samples/events-findings.csv --sheet 查出问题',
    ];
    const first = commands.map((c) => runLine(c));
    expect(first[0]).toContain('新记录事件 3，此前已记录 0，有问题 0');
    expect(first[1]).toContain('新记录事件 3，此前已记录 0，有问题 0');
    const again = commands.map((c) => runLine(c));
    expect(again[0]).toContain('新记录事件 0，此前已记录 3，有问题 0');
    expect(again[1]).toContain('新记录事件 0，此前已记录 3，有问题 0');
    // Control: the CLI says what is wrong with a sheet it does not know.
    const unknown = hubCli(
      [
        'import',
        'events',
        '--agency',
        'emergency',
        '--file',
        'samples/events-fines.csv',
        '--sheet',
        'x',
      ],
      { HUB_DATA_DIR: dataDir },
    );
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('--sheet');
  });

  it('documents each sheet with the template’s own columns', () => {
    for (const kind of SHEET_KINDS) {
      const t = SHEETS[kind];
      const columns = Object.entries(t.columns)
        .map(([c, names]) => `${names[0]}${t.required.includes(c) ? '\\*' : ''}`)
        .join('、');
      expect(SECTION).toMatch(
        new RegExp(
          `\\| \`${kind}\` +\\| ${t.titleZh} \\| ${columns.replace(/[*()（）\\]/g, (m) => `\\${m}`)} +\\|`,
        ),
      );
    }
  });
});
