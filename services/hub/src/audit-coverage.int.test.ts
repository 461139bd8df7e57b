/**
 * No route of the REST read side escapes the audit trail: every route of the reporting and
 * certificate routers records an action, but for those this table says need none, and why.
 * A new route fails here until it is audited or listed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Router } from 'express';
import { memoryAuditTrail } from '@hub/audit';
import { certificatesRouter, SqliteScreeningJobStore } from '@hub/certificates';
import { DEFAULT_DEADLINE_RULES, DEFAULT_TRANSFER_CRITERIA } from '@hub/domain';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { auditedActionOf, HubRecorder } from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { SqliteReadModelStore } from '@hub/read-models';
import { reportingRouter } from '@hub/reporting';

/** Routes that record nothing: they name nothing of anyone. */
const NOT_AUDITED = new Set(['GET /v1/reports/forms']);

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> };
}

function routesOf(router: Router): Array<{ route: string; actions: string[] }> {
  return (router.stack as RouteLayer[]).flatMap((layer) =>
    layer.route
      ? [
          {
            route: `${Object.keys(layer.route.methods)[0]!.toUpperCase()} ${layer.route.path}`,
            actions: layer.route.stack.flatMap((l) => auditedActionOf(l.handle) ?? []),
          },
        ]
      : [],
  );
}

let dir: string;
const closers: Array<() => unknown> = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hub-audit-routes-'));
});
afterAll(async () => {
  for (const close of closers) await close();
  rmSync(dir, { recursive: true, force: true });
});

describe('every REST route of the read side is on the audit record', () => {
  it('gives each route an action, but the template list', () => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
    const jobs = new SqliteScreeningJobStore(join(dir, 'hub.db'), join(dir, 'screenings'));
    const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
    closers.push(
      () => jobs.close(),
      () => readModels.close(),
      () => store.close(),
    );
    const audit = memoryAuditTrail();
    const routes = [
      ...routesOf(
        reportingRouter({
          readModels,
          deadlineRules: DEFAULT_DEADLINE_RULES,
          transferCriteria: DEFAULT_TRANSFER_CRITERIA,
          audit,
        }),
      ),
      ...routesOf(
        certificatesRouter({
          recorder: new HubRecorder(store, { sealing: vault }),
          readModels,
          vault,
          jobs,
          audit,
        }),
      ),
    ];
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const missing = routes.filter((r) => r.actions.length === 0 && !NOT_AUDITED.has(r.route));
    expect(missing).toEqual([]);
    expect(Object.fromEntries(routes.map((r) => [r.route, r.actions.join(',')]))).toMatchObject({
      'POST /v1/certificates/unmask': 'personal_data.unmask',
      'POST /v1/certificates/verifications': 'certificate.verify',
      'GET /v1/certificates/screenings/:id/results': 'screening.results',
      'GET /v1/reports/forms/:formId': 'export.form',
      'GET /v1/ledger/penalty-instead-of-prosecution': 'export.ledger',
      'GET /v1/prosecution/cases/:caseId': 'export.case',
    });
  });
});
