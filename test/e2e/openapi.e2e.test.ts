/**
 * Connecting an agency, as a vendor does (issue 19.1, 19.2): the hub as shipped serves the
 * OpenAPI document and the event catalogue that are committed under schemas/, the document is
 * valid OpenAPI 3.1 by a standard validator, every example in it is accepted by the running hub,
 * a refusal answers with a code the document lists, and the reference page works offline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import {
  createTokens,
  startHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(60_000);
const ROOT = resolve(__dirname, '../..');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const committed = (file: string) =>
  JSON.parse(readFileSync(join(ROOT, 'schemas', file), 'utf8')) as Record<string, unknown>;

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: {
          content: Record<string, { examples?: Record<string, { value: unknown }> }>;
        };
        responses: Record<
          string,
          { content?: Record<string, { schema: { allOf?: Array<Record<string, unknown>> } }> }
        >;
      }
    >
  >;
};

const validate = (file: string) =>
  JSON.parse(
    execFileSync(process.execPath, [join(ROOT, 'test/support/validate-openapi.cjs'), file], {
      encoding: 'utf8',
    }),
  ) as { valid: boolean; version: string; errors: unknown[] };

let dataDir: string;
let hub: HubProcess;
let tokens: Record<'emergency', string>;

beforeAll(async () => {
  dataDir = tempDataDir();
  tokens = createTokens(dataDir, ['emergency'] as const, '310000');
  hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
});
afterAll(() => {
  hub?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('is served without a credential, as committed under schemas/openapi', async () => {
    const res = await fetch(`${hub.url}/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(committed('openapi/hub.openapi.json'));
  });

  it('is valid OpenAPI 3.1 by a standard validator, which refuses a broken copy', () => {
    expect(validate(join(ROOT, 'schemas/openapi/hub.openapi.json'))).toEqual({
      valid: true,
      version: '3.1',
      errors: [],
    });
    // Control: the validator refuses a parameter that is nowhere (`in: body` left OpenAPI 3.0).
    const broken = committed('openapi/hub.openapi.json') as Doc;
    const publish = broken.paths['/v1/events']!.post as unknown as {
      parameters: Array<{ in: string }>;
    };
    publish.parameters[0]!.in = 'body';
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
    expect(validate(join(dir, 'broken.json')).valid).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has examples that the running hub accepts, every one of them', async () => {
    const doc = committed('openapi/hub.openapi.json') as Doc;
    const sent: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(operations))
        for (const examples of Object.values(operation.requestBody?.content ?? {}))
          for (const [name, example] of Object.entries(examples.examples ?? {})) {
            const res = await fetch(`${hub.url}${path}`, {
              method: method.toUpperCase(),
              headers: {
                Authorization: `Bearer ${tokens.emergency}`,
                'Content-Type': 'application/json',
              },
              body: JSON.stringify(example.value),
            });
            const body = await res.text();
            expect({ path, name, status: res.status, ok: res.ok, body }).toMatchObject({
              ok: true,
            });
            sent.push(`${method} ${path} ${name}`);
          }
    expect(sent).toEqual([
      'post /v1/events inspection',
      'post /v1/certificates/verifications check',
    ]);
  });

  it('lists the code of a refusal under the status it comes with, Chinese title beside', async () => {
    const doc = committed('openapi/hub.openapi.json') as Doc;
    const res = await fetch(`${hub.url}/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.emergency}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ events: [{ type: 'NoSuchEvent' }] }),
    });
    const problem = (await res.json()) as { code: string; titleZh: string };
    expect(res.status).toBe(400);
    expect(problem.titleZh).toMatch(/\p{Script=Han}/u);
    const documented = doc.paths['/v1/events']!.post!.responses['400']!.content![
      'application/problem+json'
    ]!.schema.allOf![1] as { properties: { code: { enum: string[] } } };
    expect(documented.properties.code.enum).toContain(problem.code);
  });
});

describe('the event catalogue', () => {
  it('is served as committed in schemas/catalogue.json', async () => {
    const res = await fetch(`${hub.url}/v1/catalogue`);
    expect(res.status).toBe(200);
    const catalogue = (await res.json()) as { events: Array<{ type: string }> };
    expect(catalogue).toEqual(committed('catalogue.json'));
    expect(catalogue.events.map((e) => e.type)).toContain('ClueTransferred');
  });
});

(CHROMIUM ? describe : describe.skip)(
  `the API reference page in Chromium${CHROMIUM ? '' : ' (skipped: Debian’s chromium is not installed; .ci/run installs it)'}`,
  () => {
    it('shows every operation from the hub itself, loading nothing from elsewhere', async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const foreign: string[] = [];
        page.on('request', (request) => {
          if (!request.url().startsWith(hub.url)) foreign.push(request.url());
        });
        await page.goto(`${hub.url}/docs/api`);
        await page.locator('.opblock-summary-path', { hasText: '/v1/events' }).first().waitFor();
        const paths = await page.locator('.opblock-summary-path').allTextContents();
        const documented = Object.keys((committed('openapi/hub.openapi.json') as Doc).paths);
        expect(new Set(paths.map((p) => p.replace(/\u200b/g, '').trim()))).toEqual(
          new Set(documented),
        );
        expect(await page.textContent('body')).toContain('发布一批事件');
        expect(foreign).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  },
);
