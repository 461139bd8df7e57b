/**
 * The Java client (clients/java, issue 19.4) against the hub as shipped: its JUnit tests
 * (publish, duplicate, typed refusal, retry of a 503 with the same bytes, giving up) and the
 * runnable example, as the README runs it. Maven runs offline: .ci/run fetches the artifacts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createTokens,
  startHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(180_000);
const JAVA_DIR = resolve(__dirname, '../../clients/java');
const HAVE_MAVEN = spawnSync('mvn', ['-v'], { encoding: 'utf8' }).status === 0;

(HAVE_MAVEN ? describe : describe.skip)(
  `the Java client${HAVE_MAVEN ? '' : ' (skipped: mvn is not installed; .ci/run installs the JDK and Maven)'}`,
  () => {
    let dataDir: string;
    let hub: HubProcess;
    let token: string;
    const mvn = (args: string[]) =>
      spawnSync('mvn', ['-q', '-B', '-o', ...args], {
        cwd: JAVA_DIR,
        env: { ...process.env, AGENCY_HUB_URL: hub.url, AGENCY_TOKEN: token },
        encoding: 'utf8',
      });

    beforeAll(async () => {
      // Compiled afresh: classes left by another checkout or JDK are not what is tested.
      rmSync(join(JAVA_DIR, 'target'), { recursive: true, force: true });
      dataDir = tempDataDir();
      token = createTokens(dataDir, ['emergency'] as const, '310000').emergency;
      hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
    });
    afterAll(() => {
      hub?.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('passes its JUnit tests against the running hub', () => {
      const run = mvn(['test']);
      expect({ status: run.status, out: run.stdout + run.stderr }).toMatchObject({ status: 0 });
      const reports = join(JAVA_DIR, 'target', 'surefire-reports');
      const summary = readdirSync(reports)
        .filter((f) => f.endsWith('.txt'))
        .map((f) => readFileSync(join(reports, f), 'utf8'))
        .join('\n');
      expect(summary).toMatch(/Tests run: 4, Failures: 0, Errors: 0, Skipped: 0/);
    });

    it('runs the example as the README does: accepted, then the same event a duplicate', () => {
      const build = mvn([
        'compile',
        'dependency:build-classpath',
        '-Dmdep.outputFile=target/cp.txt',
      ]);
      expect({ status: build.status, out: build.stdout + build.stderr }).toMatchObject({
        status: 0,
      });
      const classpath = `target/classes:${readFileSync(join(JAVA_DIR, 'target/cp.txt'), 'utf8').trim()}`;
      const run = spawnSync('java', ['-cp', classpath, 'cn.hub.client.Example', 'INS-JAVA-E2E'], {
        cwd: JAVA_DIR,
        env: { ...process.env, AGENCY_HUB_URL: hub.url, AGENCY_TOKEN: token },
        encoding: 'utf8',
      });
      expect({ status: run.status, err: run.stderr }).toMatchObject({ status: 0 });
      const lines = run.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^accepted=1 duplicate=false id=[0-9a-f-]{36}$/);
      expect(lines[1]).toMatch(/^accepted=1 duplicate=true id=[0-9a-f-]{36}$/);
    });
  },
);
