/**
 * The console in a real browser (Debian's Chromium through playwright-core), on the demo
 * campaign: one test per role's main task, signed in as a person would (a one-time link from
 * `hub user create`, then a user name and password). Screenshots go to test/artifacts/console/.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { hubCli, startHubProcess, tempDataDir, type HubProcess } from '../support/hub-process';

jest.setTimeout(120_000);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(__dirname, '../artifacts/console');

(CHROMIUM ? describe : describe.skip)(
  `console in Chromium${CHROMIUM ? '' : ' (skipped: Debian’s chromium is not installed; .ci/run installs it)'}`,
  () => {
    let dataDir: string;
    let hub: HubProcess;
    let browser: Browser;
    const links: Record<string, string> = {};
    const contexts: BrowserContext[] = [];

    /** `hub user create`: the one-time sign-in link it prints (the token stays the last line). */
    const createUser = (role: string, login: string, units: string, agency?: string) => {
      const run = hubCli(
        [
          'user',
          'create',
          '--role',
          role,
          '--name',
          `${login}测试`,
          '--units',
          units,
          '--login',
          login,
          ...(agency ? ['--agency', agency] : []),
        ],
        { HUB_DATA_DIR: dataDir },
      );
      expect(run.status).toBe(0);
      const link = /#link=([A-Za-z0-9_-]+)/.exec(run.stdout)?.[1];
      expect(link).toBeDefined();
      return link!;
    };

    /** A fresh browser session that fails the test on any request leaving the hub. */
    async function newPage(): Promise<Page> {
      const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'America/New_York' });
      contexts.push(context);
      const page = await context.newPage();
      page.on('request', (request) => {
        if (!request.url().startsWith(hub.url) && !request.url().startsWith('data:'))
          throw new Error(`request left the hub: ${request.url()}`);
      });
      return page;
    }
    async function signInWithLink(page: Page, link: string) {
      await page.goto(`${hub.url}/signin#link=${link}`);
      // A first sign-in leads to setting a user name and password.
      await page
        .getByRole('heading', { name: '设置用户名和密码' })
        .or(page.getByText('设置用户名和密码'))
        .first()
        .waitFor();
    }
    const shot = (page: Page, name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      dataDir = tempDataDir();
      expect(hubCli(['demo'], { HUB_DATA_DIR: dataDir }).status).toBe(0);
      // The issuer's export the sample roster is screened against (some valid, some not).
      const imported = hubCli(
        [
          'certificates',
          'import',
          '--agency',
          'emergency',
          '--unit',
          '310000',
          '--file',
          join(__dirname, '../../samples/certificates-import-special-operations.csv'),
        ],
        { HUB_DATA_DIR: dataDir },
      );
      expect(imported.status).toBe(0);
      links.admin = createUser('administrator', 'admin1', '000000');
      links.analyst = createUser('analyst', 'analyst1', '310000');
      links.procurator = createUser('procurator', 'procurator1', '310000');
      links.officer = createUser('agency_officer', 'officer1', '310105', 'emergency');
      links.auditor = createUser('auditor', 'auditor1', '000000');
      hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
      browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser?.close();
      hub?.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('administrator: signs in with the link, sets a password, signs out and in again, creates a user whose link works once', async () => {
      const page = await newPage();
      await signInWithLink(page, links.admin!);
      await page.fill('#account-password', 'correct horse battery');
      await page.click('#account-save');
      await page.getByText('已保存，下次请用新密码登录。').waitFor();
      await page.click('#signout');
      await page.locator('#login').waitFor();

      // A wrong password is refused in Chinese with what to do next …
      await page.fill('#login', 'admin1');
      await page.fill('#password', 'wrong password!');
      await page.click('#signin-submit');
      await page.getByRole('alert').getByText('用户名或密码不正确').waitFor();
      // … the right one signs in.
      await page.fill('#password', 'correct horse battery');
      await page.click('#signin-submit');
      await page.getByRole('heading', { name: '用户与凭证管理' }).waitFor();

      await page.fill('#new-name', '新分析员');
      await page.fill('#new-login', 'analyst2');
      await page.click('#new-role');
      await page.locator('.ant-select-item-option', { hasText: '专班分析员' }).click();
      await page.fill('#new-units', '310105');
      await page.click('#new-user');
      const secret = (await page.locator('#admin-secret').textContent()) ?? '';
      expect(secret).toMatch(/\/signin#link=/);
      await page.getByRole('cell', { name: 'analyst2' }).waitFor();
      await shot(page, 'admin');

      // An agency credential: its token shown once, then revoked.
      await page.click('#cred-agency');
      await page.locator('.ant-select-item-option', { hasText: '应急管理' }).click();
      await page.fill('#cred-units', '310105');
      await page.fill('#cred-label', '长宁区应急局执法系统');
      await page.click('#cred-create');
      await page.locator('#admin-secret', { hasText: /^hub_emergency_/ }).waitFor();
      const credential = page.getByRole('row', { name: /长宁区应急局执法系统/ });
      await credential.getByRole('button').click();
      await credential.getByText('已吊销').waitFor();

      // The new user's link signs in once; the same link again is refused.
      const other = await newPage();
      await other.goto(secret.replace(/^https?:\/\/[^/]+/, hub.url));
      await other.getByText('设置用户名和密码').first().waitFor();
      const again = await newPage();
      await again.goto(secret.replace(/^https?:\/\/[^/]+/, hub.url));
      await again.getByRole('alert').getByText('登录链接已使用').waitFor();
    });

    it('analyst: the dashboard, a form laid out as printed with its events and an XLSX, the ledger with overdue clues and a timeline', async () => {
      const page = await newPage();
      await signInWithLink(page, links.analyst!);
      await page.goto(`${hub.url}/dashboard`);
      await page.getByText('超期未办线索').waitFor();
      await page.getByText('自查率').or(page.getByText('持证率')).first().waitFor();
      await page.locator('canvas').first().waitFor();
      await shot(page, 'dashboard');

      await page.goto(`${hub.url}/forms`);
      await page.fill('#form-period', '2024-08');
      await page.click('#form-show');
      await page.getByRole('heading', { name: /2024年7-8月份/ }).waitFor();
      await page.getByRole('cell', { name: '长宁区' }).first().waitFor();
      await page.getByRole('cell', { name: '合计' }).first().waitFor();
      await shot(page, 'form');
      // A figure opens the events behind it, with their content. 徐汇's figures include the
      // demo's worker found holding a bought certificate: an ID number, sealed in the store.
      const figures = page.getByRole('row', { name: /徐汇区/ }).locator('td a');
      let drawerText = '';
      for (let i = 0; i < (await figures.count()) && !drawerText.includes('（已加密）'); i++) {
        await figures.nth(i).click();
        await page.getByText('该数字对应的事件').waitFor();
        await page.locator('.ant-drawer .event-data').first().waitFor();
        drawerText = (await page.locator('.ant-drawer').textContent()) ?? '';
        await page.keyboard.press('Escape');
        await page
          .locator('.ant-drawer-open')
          .waitFor({ state: 'detached' })
          .catch(() => undefined);
      }
      // The event's Chinese name, its times in Asia/Shanghai, its data with the number masked.
      expect(drawerText).toContain('查出问题');
      expect(drawerText).toMatch(/20\d\d-\d\d-\d\d \d\d:\d\d/);
      expect(drawerText).toMatch(/"idNumber": "\d{6}\*{8}[\dX]{4}（已加密）"/);
      // Positive control for the negative below: the pattern finds an ID number in clear.
      const CLEAR_ID = /(?<!\d)[1-9]\d{16}[\dX](?![\dA-Za-z])/;
      expect(CLEAR_ID.test('"idNumber": "310104197709092172"')).toBe(true);
      expect(drawerText).not.toMatch(CLEAR_ID);
      expect(drawerText).not.toContain('pii1:');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#form-xlsx'),
      ]);
      const file = await download.path();
      expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');

      await page.goto(`${hub.url}/ledger?due=overdue`);
      const first = page.locator('tbody tr.row-overdue').first();
      await first.waitFor();
      await shot(page, 'ledger');
      await first.locator('a').first().click();
      await page.getByText('依据条款').waitFor();
      await page.locator('.ant-drawer').getByText('已超期').first().waitFor();
      // Times in Asia/Shanghai whatever the browser's zone (this browser is in New York).
      const drawer = (await page.locator('.ant-drawer').textContent()) ?? '';
      expect(drawer).toMatch(/20\d\d-\d\d-\d\d \d\d:\d\d/);
    });

    it('procurator: the worklist, a case from clue to judgment, the 以罚代刑 list with its rule', async () => {
      const page = await newPage();
      await signInWithLink(page, links.procurator!);
      await page.goto(`${hub.url}/worklist`);
      const row = page.locator('tbody tr.ant-table-row').first();
      await row.waitFor();
      await row.locator('a').first().click();
      await page.getByText('案件过程').waitFor();
      await shot(page, 'worklist');
      await page.goto(`${hub.url}/penalty`);
      await page
        .getByText(/达到 3 本即应移送公安机关|查出假证即应移送/)
        .first()
        .waitFor();
    });

    it('agency officer: screens a roster with progress shown, filters the results and downloads them as XLSX', async () => {
      const page = await newPage();
      await signInWithLink(page, createUser('agency_officer', 'officer2', '310105', 'emergency'));
      await page.goto(`${hub.url}/screening`);
      await page.fill('#screen-purpose', '专项检查在岗人员核查');
      await page.setInputFiles(
        '#screen-file',
        join(__dirname, '../../samples/certificates-screening-roster.csv'),
      );
      await page.click('#screen-start');
      await page
        .getByRole('progressbar', { name: '上传进度' })
        .or(page.getByLabel('上传进度'))
        .first()
        .waitFor();
      await page.getByText(/比对完成：共 \d+ 行/).waitFor();
      const summary = (await page.getByText(/比对完成：共 \d+ 行/).textContent()) ?? '';
      const total = Number(/共 (\d+) 行/.exec(summary)?.[1]);
      expect(total).toBeGreaterThan(0);
      const rows = page.locator('tbody tr.ant-table-row');
      await rows.first().waitFor();
      const all = await rows.count();
      expect(all).toBe(Math.min(total, 50));
      // One result only: the rows the unfiltered table showed with it, and no other.
      const unknown = await page.locator('tbody').getByText('查无此证号', { exact: true }).count();
      expect(unknown).toBeGreaterThan(0);
      expect(unknown).toBeLessThan(all);
      await page.click('#screen-filter');
      await page.locator('.ant-select-item-option', { hasText: '查无此证号' }).click();
      await page.waitForFunction(
        `document.querySelectorAll('tbody tr.ant-table-row').length === ${unknown}`,
      );
      expect(await page.locator('tbody').getByText('查无此证号', { exact: true }).count()).toBe(
        unknown,
      );
      await shot(page, 'screening');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#screen-xlsx'),
      ]);
      expect(
        readFileSync(await download.path())
          .subarray(0, 2)
          .toString(),
      ).toBe('PK');
    });

    it('agency officer: uploads the monthly inspections sheet, sees the counts, a re-upload recorded nothing twice, and a bad row explained in Chinese', async () => {
      const page = await newPage();
      await signInWithLink(page, createUser('agency_officer', 'officer3', '310105', 'emergency'));
      await page.goto(`${hub.url}/intake`);
      // The template's columns from SHEETS, required ones marked.
      await page.getByRole('cell', { name: /检查编号\s*必填/ }).waitFor();
      const uploadFile = async (file: string) => {
        await page.setInputFiles('#intake-file', file);
        await page.click('#intake-start');
        await page.getByText(/完成：共 \d+ 行/).waitFor();
        const text = (await page.locator('#intake-status').textContent()) ?? '';
        await page.getByRole('button', { name: /上传并记录/ }).waitFor();
        return text;
      };
      const [template] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#intake-template'),
      ]);
      expect(readFileSync(await template.path(), 'utf8')).toBe(
        '\uFEFF检查编号,行政区划代码,执法人员编号,检查日期,检查对象类型,单位名称,统一社会信用代码,检查方式,检查特种作业人员数\r\n',
      );
      const sample = join(__dirname, '../../samples/events-inspections.csv');
      expect(await uploadFile(sample)).toContain(
        '完成：共 3 行，新记录事件 3 个，此前已记录 0 个，问题 0 处',
      );
      await page.getByLabel('上传进度').first().waitFor();
      await page.reload();
      expect(await uploadFile(sample)).toContain(
        '完成：共 3 行，新记录事件 0 个，此前已记录 3 个，问题 0 处',
      );
      // A good row (recorded), an impossible date, a unit outside the officer's, and an ID
      // number typed into a column whose message quotes the cell.
      const bad = join(dataDir, 'inspections-bad.csv');
      writeFileSync(
        bad,
        [
          '检查编号,行政区划代码,检查日期,检查对象类型,单位名称,统一社会信用代码,检查方式,检查特种作业人员数',
          '310105-INS-E2E-1,310105,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,3',
          '310105-INS-E2E-2,310105,2024-13-45,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,3',
          '310104-INS-E2E-3,310104,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,3',
          '310105-INS-E2E-4,310105,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,310105198503120079,3',
        ].join('\n'),
      );
      await page.reload();
      expect(await uploadFile(bad)).toContain(
        '完成：共 4 行，新记录事件 1 个，此前已记录 0 个，问题 3 处',
      );
      const problems = page.locator('tbody tr.ant-table-row', { hasText: '不存在' });
      await problems.first().waitFor();
      expect(await problems.first().textContent()).toMatch(/^3检查日期日期“2024-13-45”不存在/);
      await page.getByRole('cell', { name: /单位 310104 不在您的辖区/ }).waitFor();
      await page.getByRole('cell', { name: /不是可选值/ }).waitFor();
      expect(await page.content()).not.toContain('310105198503120079');
      await shot(page, 'intake');
      const [report] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#intake-problems'),
      ]);
      const csv = readFileSync(await report.path(), 'utf8');
      expect(csv).toContain('检查日期');
      expect(csv).toContain('不存在');
      expect(csv).toContain('不在您的辖区');
      expect(csv).not.toContain('310105198503120079');
      // The uploads are on the audit record, by whom.
      const audit = hubCli(['audit', '--action', 'events.import', '--format', 'jsonl'], {
        HUB_DATA_DIR: dataDir,
      });
      expect(audit.status).toBe(0);
      const uploads = audit.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { action: string; actor: { role?: string } });
      expect(uploads).toHaveLength(3);
      expect(uploads.every((u) => u.action === 'events.import')).toBe(true);
      // Another role may not upload (the officer above was served: the positive control).
      const other = await newPage();
      await signInWithLink(other, createUser('analyst', 'analyst-intake', '310000'));
      const refused = await other.evaluate(async () => {
        const { csrf } = (await (await fetch('/console/api/session')).json()) as { csrf: string };
        const r = await fetch('/console/api/intake?sheet=inspections', {
          method: 'POST',
          headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'text/csv' },
          body: 'x',
        });
        return { status: r.status, body: await r.text() };
      });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('您的角色无权上传业务报表');
    });

    it('agency officer: checks a certificate and reads the verdict in plain Chinese', async () => {
      const page = await newPage();
      await signInWithLink(page, links.officer!);
      await page.goto(`${hub.url}/check`);
      await page.fill('#check-number', 'T110105194912310021');
      await page.click('#check-submit');
      const verdict = page.getByRole('status').or(page.getByRole('alert')).first();
      await verdict.waitFor();
      expect(await verdict.textContent()).toMatch(/核验结论|证/);
      await shot(page, 'check');
      // Not on the officer's menu: the dashboard is refused in words, not a stack trace.
      await page.goto(`${hub.url}/dashboard`);
      await page.getByText('您的角色无权使用').waitFor();
    });

    it('auditor: agency activity and the audit trail with the console sign-ins on it; English on request', async () => {
      const page = await newPage();
      await signInWithLink(page, links.auditor!);
      await page.goto(`${hub.url}/audit-trail`);
      await page.getByRole('cell', { name: '登录控制台' }).first().waitFor();
      await page.getByRole('cell', { name: '退出控制台' }).first().waitFor();
      await page.getByText('English').click();
      await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      await page.goto(`${hub.url}/activity`);
      await page.getByRole('heading', { name: 'Agency activity' }).waitFor();
      await page.locator('tbody tr.ant-table-row').first().waitFor();
    });

    it('refuses cookie-authenticated GraphQL without the CSRF header, and serves it with', async () => {
      const page = await newPage();
      await signInWithLink(page, createUser('analyst', 'csrf1', '310000'));
      const result = await page.evaluate(async () => {
        const ask = (headers: Record<string, string>) =>
          fetch('/graphql', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...headers },
            body: '{"query":"{ me { role } }"}',
          }).then(async (r) => ({ status: r.status, body: await r.text() }));
        const csrf = ((await (await fetch('/console/api/session')).json()) as { csrf: string })
          .csrf;
        return { without: await ask({}), with: await ask({ 'X-CSRF-Token': csrf }) };
      });
      expect(result.with.status).toBe(200);
      expect(result.with.body).toContain('"role":"analyst"');
      expect(result.without.status).toBe(403);
      expect(result.without.body).toContain('CSRF_REJECTED');
    });
  },
);

/** The console's sign-in rules over plain HTTP, on a hub of their own (its own limits). */
describe('console sign-in: passwords, sessions and guessing', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  let hub: HubProcess;

  beforeAll(async () => {
    dataDir = tempDataDir();
    hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
  });
  afterAll(() => {
    hub?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  type Session = { cookie: string; csrf: string };
  const post = (path: string, body: unknown, session?: Session) =>
    fetch(`${hub.url}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(session ? { cookie: session.cookie, 'X-CSRF-Token': session.csrf } : {}),
      },
      body: JSON.stringify(body),
    });
  const sessionOf = async (res: Response): Promise<Session> => {
    expect(res.status).toBe(200);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^hub_console=./);
    return { cookie, csrf: ((await res.json()) as { csrf: string }).csrf };
  };
  const linkFor = (login: string) => {
    const run = hubCli(
      [
        'user',
        'create',
        '--role',
        'analyst',
        '--name',
        login,
        '--units',
        '310000',
        '--login',
        login,
      ],
      { HUB_DATA_DIR: dataDir },
    );
    expect(run.status).toBe(0);
    return /#link=([A-Za-z0-9_-]+)/.exec(run.stdout)![1]!;
  };
  const alive = async (s: Session) =>
    (await fetch(`${hub.url}/console/api/session`, { headers: { cookie: s.cookie } })).status;

  it('changes a password only with the current one, and ends the user’s other sessions', async () => {
    const first = await sessionOf(
      await post('/console/api/session/link', { link: linkFor('pw1') }),
    );
    // The first password after a link needs no current one (there is none).
    const set = await post(
      '/console/api/account/password',
      { login: 'pw1', password: 'first password 123' },
      first,
    );
    expect(set.status).toBe(200);
    const second = await sessionOf(
      await post('/console/api/session', { login: 'pw1', password: 'first password 123' }),
    );
    const change = (extra: Record<string, string>) =>
      post(
        '/console/api/account/password',
        { login: 'pw1', password: 'second password 456', ...extra },
        first,
      );
    const without = await change({});
    expect(without.status).toBe(400);
    expect(((await without.json()) as { detail: string }).detail).toContain('当前密码不正确');
    expect((await change({ currentPassword: 'a wrong guess' })).status).toBe(400);
    expect(await alive(second)).toBe(200);
    // The right one: changed, this session lives on, the other one ends.
    expect((await change({ currentPassword: 'first password 123' })).status).toBe(200);
    expect(await alive(first)).toBe(200);
    expect(await alive(second)).toBe(401);
    const signIn = (password: string) => post('/console/api/session', { login: 'pw1', password });
    expect((await signIn('first password 123')).status).toBe(401);
    expect((await signIn('second password 456')).status).toBe(200);
  });

  it('limits guesses at one user name, whoever guesses, and leaves other names alone', async () => {
    const guess = (login: string) =>
      post('/console/api/session', { login, password: 'not the password' });
    // Ten a minute per user name: the first ten are judged on the password, then a wait (the
    // bucket refills slowly, so the limit shows within a few more even on a slow machine).
    const statuses: number[] = [];
    let limited: Response | undefined;
    while (!limited && statuses.length < 14) {
      const res = await guess('victim');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(limited?.status).toBe(429);
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited!.json()) as { detailZh: string }).detailZh).toContain('该用户名');
    // Control: another user name from the same address is still judged on its password.
    expect((await guess('someone-else')).status).toBe(401);
  });
});
