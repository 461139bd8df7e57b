/**
 * The GraphQL query page in a real browser (Debian's Chromium through playwright-core): a
 * person pastes a token, runs a query, reads the answer, with the network limited to the hub.
 */
import { existsSync, rmSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { hubCli, startHubProcess, tempDataDir, type HubProcess } from '../support/hub-process';

jest.setTimeout(60_000);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

(CHROMIUM ? describe : describe.skip)(
  `GraphQL query page in Chromium${CHROMIUM ? '' : ' (skipped: Debian’s chromium is not installed; .ci/run installs it)'}`,
  () => {
    let dataDir: string;
    let hub: HubProcess;
    let browser: Browser;
    let token: string;

    beforeAll(async () => {
      dataDir = tempDataDir();
      token = hubCli(
        ['user', 'create', '--role', 'analyst', '--name', '页面测试', '--units', '310000'],
        {
          HUB_DATA_DIR: dataDir,
        },
      )
        .stdout.trim()
        .split('\n')
        .pop()!;
      hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
      browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser?.close();
      hub?.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('runs a query with a pasted token and shows the answer, loading nothing from elsewhere', async () => {
      const page = await browser.newPage();
      const foreign: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(hub.url)) foreign.push(request.url());
      });
      await page.goto(`${hub.url}/graphql/ui`);
      await page.fill('#token', token);
      await page.selectOption('#example', 'me');
      await page.click('#run');
      await page.locator('#result', { hasText: 'HTTP' }).waitFor();
      const text = (await page.textContent('#result')) ?? '';
      expect(text).toContain('HTTP 200');
      expect(text).toContain('"role": "analyst"');
      expect(text).toContain('页面测试');
      expect(foreign).toEqual([]);
    });

    it('shows a clear error for a bad token', async () => {
      const page = await browser.newPage();
      await page.goto(`${hub.url}/graphql/ui`);
      await page.fill('#token', 'wrong');
      await page.click('#run');
      await page.locator('#result', { hasText: 'HTTP' }).waitFor();
      expect(await page.textContent('#result')).toContain('HTTP 401');
    });
  },
);
