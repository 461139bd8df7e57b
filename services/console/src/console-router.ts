import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AuditAction, AuditRecorder, AuditSubject } from '@hub/audit';
import {
  AGENCIES,
  DEFAULT_TRANSFER_CRITERIA,
  DivisionCode,
  EVENT_DEFINITIONS,
  dayString,
  divisionName,
  inspectionInUnits,
  shanghaiDay,
  withinUnits,
  type TransferCriteria,
} from '@hub/domain';
import { OPERATION_ROLES, ROLES, userActorOf, type UserDirectory, type Viewer } from '@hub/graphql';
import {
  originOf,
  sendErrorProblem,
  sendProblem,
  TokenBuckets,
  type CredentialStore,
} from '@hub/ingestion';
import {
  assertKnownUnit,
  cachedForm,
  formTemplate,
  penaltyInsteadOfProsecutionFlags,
  twoHundredPercentRates,
  type ReadModelStore,
} from '@hub/read-models';
import { formGrid, formToCsv, formToXlsx } from '@hub/reporting';
import type { ConsoleStore } from './console-store.js';
import type { CertificatesDeps } from '@hub/certificates';
import { screeningRoutes } from './console-screenings.js';
import { intakeRoutes, type SheetIntake } from './console-intake.js';
import { ConsoleError, roleForbidden, signInFailed } from './errors.js';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { clearedCookie, SessionAuth, sessionCookie, type SignedIn } from './session-auth.js';
import { staticConsole } from './static-console.js';

export interface ConsoleDeps {
  users: UserDirectory;
  store: ConsoleStore;
  credentials: CredentialStore;
  readModels: ReadModelStore;
  audit: AuditRecorder;
  transferCriteria?: TransferCriteria;
  bimonthlyReading?: 'ending' | 'preceding';
  /** The built web application (index.html and assets); none: the API alone. */
  webDir?: string;
  /** Roster screening for officers (the certificates service's own dependencies). */
  screening?: CertificatesDeps;
  /** Spreadsheet intake for officers (the hub's own, as `hub import events` uses). */
  intake?: SheetIntake;
  /** Cookies marked Secure (the hub behind HTTPS). */
  secureCookies?: boolean;
}

const Login = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9._@-]{3,64}$/,
    '用户名为 3 到 64 个字母、数字或 . _ @ - / 3 to 64 letters, digits or . _ @ -',
  );

/**
 * The console's own HTTP surface: sign-in (user name and password, or a one-time link),
 * sessions and sign-out, the administrator's users and credentials, and the few reads GraphQL
 * does not offer (the two rates, form files, the 以罚代刑 list), each under the same units
 * rule as the API; and the web application itself at `/`.
 */
export function consoleRouter(deps: ConsoleDeps): { router: Router; auth: SessionAuth } {
  const { users, store, audit } = deps;
  const auth = new SessionAuth(store, users);
  const router = Router();
  const json = express.json({ limit: '64kb' });
  // Guessing passwords: 20 tries a minute from one address (scrypt makes each try slow too).
  const tries = new TokenBuckets(20);
  // And 10 a minute against one account, from however many addresses (the address limit alone
  // lets a botnet guess freely, and behind a proxy every user shares one address).
  const accountTries = new TokenBuckets(10);

  const wrap =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      handler(req, res).catch(next);
  const signed = (
    handler: (req: Request, res: Response, s: SignedIn) => Promise<void>,
    roles?: readonly string[],
  ) =>
    wrap(async (req, res) => {
      const s = await auth.signedIn(req);
      if (roles && !roles.includes(s.viewer.role)) throw roleForbidden(req.path);
      await handler(req, res, s);
    });
  const record = (
    req: Request,
    viewer: Viewer | undefined,
    action: AuditAction,
    subject: AuditSubject,
    outcome: 'ok' | 'refused' = 'ok',
    code?: string,
  ) =>
    audit.record({
      actor: viewer ? userActorOf(viewer) : { kind: 'user', id: 'anonymous' },
      action,
      subject: { view: 'console', ...subject },
      from: originOf(req),
      result: { outcome, ...(code ? { code } : {}) },
    });

  const startSession = async (req: Request, res: Response, userId: string, how: string) => {
    const { id, csrf, viewer } = await auth.open(userId);
    res.setHeader('Set-Cookie', sessionCookie(id, deps.secureCookies ?? false));
    record(req, viewer, 'auth.sign_in', { args: { method: how } });
    res.json({ user: await describe(viewer), csrf });
  };
  const describe = async (viewer: Viewer) => {
    const account = await store.account(viewer.userId);
    return {
      ...viewer,
      login: account?.login ?? null,
      hasPassword: Boolean(account?.passwordHash),
    };
  };

  // A signed-in console reads GraphQL with its session (checked for CSRF) as its token.
  router.use('/graphql', auth.graphqlBridge());

  router.use('/console/api', (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    const wait =
      req.method === 'POST' && req.path.startsWith('/session') ? tries.take(`ip:${req.ip}`) : 0;
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    sendProblem(res, {
      code: 'RATE_LIMITED',
      detail: `too many sign-in attempts: try again in ${wait} s`,
      detailZh: `登录尝试过于频繁，请 ${wait} 秒后再试`,
    });
  });

  router.post(
    '/console/api/session',
    json,
    wrap(async (req, res) => {
      const body = z
        .object({ login: z.string().max(64), password: z.string().max(200) })
        .safeParse(req.body);
      const wait = body.success
        ? accountTries.take(`login:${body.data.login.trim().toLowerCase()}`)
        : 0;
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        sendProblem(res, {
          code: 'RATE_LIMITED',
          detail: `too many sign-in attempts for this user name: try again in ${wait} s`,
          detailZh: `该用户名登录尝试过于频繁，请 ${wait} 秒后再试`,
        });
        return;
      }
      const found = body.success ? await store.byLogin(body.data.login.trim()) : undefined;
      const ok =
        body.success && found?.passwordHash
          ? await verifyPassword(body.data.password, found.passwordHash)
          : await verifyPassword('x', await decoyHash()).then(() => false);
      const live = ok && found ? await users.get(found.userId) : undefined;
      if (!ok || !live || live.revoked) {
        record(
          req,
          undefined,
          'auth.failed',
          { args: { method: 'password' }, ...(found ? { userId: found.userId } : {}) },
          'refused',
          'SIGN_IN_FAILED',
        );
        throw signInFailed();
      }
      await startSession(req, res, found!.userId, 'password');
    }),
  );

  router.post(
    '/console/api/session/link',
    json,
    wrap(async (req, res) => {
      const parsed = z.object({ link: z.string().max(100) }).safeParse(req.body);
      const link = parsed.success ? parsed.data.link : '';
      const userId = link.length <= 100 ? await store.redeemLink(link) : undefined;
      const live = userId ? await users.get(userId) : undefined;
      if (!userId || !live || live.revoked) {
        record(
          req,
          undefined,
          'auth.failed',
          { args: { method: 'link' } },
          'refused',
          'SIGN_IN_FAILED',
        );
        throw signInFailed();
      }
      await startSession(req, res, userId, 'link');
    }),
  );

  router.get(
    '/console/api/session',
    wrap(async (req, res) => {
      const s = await auth.signedIn(req, false);
      res.json({
        user: await describe(s.viewer),
        csrf: s.session.csrf,
        expiresAt: new Date(s.session.expiresAt).toISOString(),
      });
    }),
  );

  router.delete(
    '/console/api/session',
    signed(async (req, res, s) => {
      await auth.end(s.sessionId);
      record(req, s.viewer, 'auth.sign_out', {});
      res.setHeader('Set-Cookie', clearedCookie);
      res.json({ signedOut: true });
    }),
  );

  // Everyone sets their own user name and password (after signing in with a link).
  router.post(
    '/console/api/account/password',
    json,
    signed(async (req, res, s) => {
      const body = z
        .object({
          login: Login,
          password: z.string().max(200),
          currentPassword: z.string().max(200).optional(),
        })
        .safeParse(req.body);
      if (!body.success)
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          body.error.issues.map((i) => i.message).join('; '),
        );
      // A password already set is changed only by whoever knows it: a session left open on a
      // shared desk must not be enough to lock its owner out.
      const existing = (await store.account(s.viewer.userId))?.passwordHash;
      if (
        existing &&
        !(await verifyPassword(body.data.currentPassword ?? '', existing).catch(() => false))
      ) {
        record(
          req,
          s.viewer,
          'user.reset',
          { userId: s.viewer.userId, args: { change: 'own-password' } },
          'refused',
          'ACCOUNT_INVALID',
        );
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          '当前密码不正确，请重新输入 / the current password is wrong',
        );
      }
      const problem = passwordProblem(body.data.password);
      if (problem) throw new ConsoleError('ACCOUNT_INVALID', problem);
      if (
        !(await store.setAccount(
          s.viewer.userId,
          body.data.login,
          await hashPassword(body.data.password),
        ))
      )
        throw new ConsoleError(
          'LOGIN_TAKEN',
          `用户名 ${body.data.login} 已被他人使用，请换一个 / the user name ${body.data.login} is taken: choose another`,
        );
      // Any other session of this user (a suspected compromise is why passwords change) ends.
      await store.endOtherSessionsOf(s.viewer.userId, s.sessionId);
      record(req, s.viewer, 'user.reset', {
        userId: s.viewer.userId,
        args: { change: 'own-password' },
      });
      res.json({ user: await describe(s.viewer) });
    }),
  );

  // The administrator: users and agency credentials.
  const admin = ['administrator'];
  const UserChange = z
    .object({
      role: z.enum(ROLES),
      agency: z.enum(AGENCIES).optional(),
      units: z.array(DivisionCode).min(1, '至少一个单位 / at least one unit'),
    })
    .strict();
  const listUsers = async () =>
    Promise.all(
      (await users.list()).map(async (u) => ({
        ...u,
        login: (await store.account(u.id))?.login ?? null,
      })),
    );
  router.get(
    '/console/api/admin/users',
    signed(async (_req, res) => void res.json(await listUsers()), admin),
  );
  router.post(
    '/console/api/admin/users',
    json,
    signed(async (req, res, s) => {
      const body = UserChange.extend({
        name: z.string().trim().min(1).max(40),
        login: Login,
      }).safeParse(req.body);
      if (!body.success)
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const { name, login, role, agency, units } = body.data;
      if (await store.byLogin(login))
        throw new ConsoleError(
          'LOGIN_TAKEN',
          `用户名 ${login} 已被使用，请换一个 / the user name ${login} is taken: choose another`,
        );
      const created = await users
        .create({ name, role, units, ...(agency ? { agency } : {}) })
        .catch((e: unknown) => {
          throw new ConsoleError('ACCOUNT_INVALID', (e as Error).message);
        });
      await store.setAccount(created.id, login, null);
      const link = await store.createLink(created.id);
      record(req, s.viewer, 'user.create', {
        userId: created.id,
        args: { role, units: units.join(','), ...(agency ? { agency } : {}) },
      });
      res.status(201).json({ id: created.id, link });
    }, admin),
  );
  const existing = async (id: string) => {
    const user = await users.get(id);
    if (!user)
      throw new ConsoleError(
        'USER_NOT_FOUND',
        `没有用户 ${id}，请刷新用户列表 / no user ${id}: reload the list`,
      );
    return user;
  };
  router.put(
    '/console/api/admin/users/:id',
    json,
    signed(async (req, res, s) => {
      const id = String(req.params.id);
      await existing(id);
      const body = UserChange.safeParse(req.body);
      if (!body.success)
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      try {
        await users.update(id, {
          role: body.data.role,
          units: body.data.units,
          ...(body.data.agency ? { agency: body.data.agency } : {}),
        });
      } catch (e) {
        throw new ConsoleError('ACCOUNT_INVALID', (e as Error).message);
      }
      record(req, s.viewer, 'user.update', {
        userId: id,
        args: { role: body.data.role, units: body.data.units.join(',') },
      });
      res.json((await listUsers()).find((u) => u.id === id));
    }, admin),
  );
  router.post(
    '/console/api/admin/users/:id/reset',
    signed(async (req, res, s) => {
      const id = String(req.params.id);
      if ((await existing(id)).revoked)
        throw new ConsoleError('USER_NOT_FOUND', '该用户已停用 / the user is revoked');
      await store.resetSignIn(id);
      const link = await store.createLink(id);
      record(req, s.viewer, 'user.reset', { userId: id });
      res.json({ id, link });
    }, admin),
  );
  router.post(
    '/console/api/admin/users/:id/revoke',
    signed(async (req, res, s) => {
      const id = String(req.params.id);
      await existing(id);
      await users.revoke(id);
      await store.resetSignIn(id);
      record(req, s.viewer, 'user.revoke', { userId: id });
      res.json({ id, revoked: true });
    }, admin),
  );
  router.get(
    '/console/api/admin/credentials',
    signed(async (_req, res) => void res.json(await deps.credentials.list()), admin),
  );
  router.post(
    '/console/api/admin/credentials',
    json,
    signed(async (req, res, s) => {
      const body = z
        .object({
          agency: z.enum(AGENCIES),
          units: z.array(DivisionCode).min(1),
          label: z.string().trim().max(80).default(''),
        })
        .safeParse(req.body);
      if (!body.success)
        throw new ConsoleError(
          'ACCOUNT_INVALID',
          body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const { credential, token } = await deps.credentials.create(
        body.data.agency,
        body.data.label,
        body.data.units,
      );
      record(req, s.viewer, 'credential.create', {
        tokenId: credential.tokenId,
        args: { agency: credential.agency, units: credential.units.join(',') },
      });
      res.status(201).json({ credential, token });
    }, admin),
  );
  router.post(
    '/console/api/admin/credentials/:id/revoke',
    signed(async (req, res, s) => {
      const id = String(req.params.id);
      const revoked = await deps.credentials.revoke(id);
      record(req, s.viewer, 'credential.revoke', { tokenId: id }, revoked ? 'ok' : 'refused');
      res.json({ id, revoked });
    }, admin),
  );

  // Reads GraphQL lacks, under the same units rule (withinUnits) and on the audit record.
  const inScope = (viewer: Viewer, unit: string) => {
    if (!withinUnits(viewer.units ?? [], unit))
      throw Object.assign(
        new Error(
          `单位 ${unit} 不在您的辖区内，请选择您所属的单位 / unit ${unit} is outside your units: choose one of yours`,
        ),
        { code: 'OUT_OF_SCOPE' },
      );
  };
  const Day = z.iso.date();
  router.get(
    '/console/api/rates',
    signed(
      async (req, res, s) => {
        const q = z.object({ unit: DivisionCode, from: Day, to: Day }).parse(req.query);
        inScope(s.viewer, q.unit);
        await assertKnownUnit(deps.readModels, q.unit);
        record(req, s.viewer, 'export.rates', { unit: q.unit, period: `${q.from}..${q.to}` });
        res.json(await twoHundredPercentRates(deps.readModels, q.unit, q.from, q.to));
      },
      ['analyst', 'procurator'],
    ),
  );
  router.get(
    '/console/api/forms/:formId/file',
    signed(async (req, res, s) => {
      const q = z
        .object({
          unit: DivisionCode,
          period: z.string().max(20).optional(),
          from: Day.optional(),
          to: Day.optional(),
          format: z.enum(['csv', 'xlsx']),
        })
        .parse(req.query);
      inScope(s.viewer, q.unit);
      const template = formTemplate(String(req.params.formId));
      await assertKnownUnit(deps.readModels, q.unit);
      const form = await cachedForm(
        deps.readModels,
        {
          template,
          unit: q.unit,
          ...(q.period ? { period: q.period } : {}),
          ...(q.from ? { from: q.from } : {}),
          ...(q.to ? { to: q.to } : {}),
          ...(deps.bimonthlyReading ? { bimonthlyReading: deps.bimonthlyReading } : {}),
        },
        divisionName,
      );
      const grid = formGrid(form, {
        unitName: divisionName(q.unit),
        filledBy: s.viewer.name,
        filledOn: dayString(shanghaiDay(new Date().toISOString())),
      });
      const file = `${template.id}-${q.unit}-${q.period ?? (q.from ? `${q.from}_${q.to}` : 'campaign')}`;
      record(req, s.viewer, 'export.form', {
        form: template.id,
        unit: q.unit,
        period: q.period ?? `${q.from ?? ''}..${q.to ?? ''}`,
        format: q.format,
      });
      if (q.format === 'csv')
        res.type('text/csv; charset=utf-8').attachment(`${file}.csv`).send(formToCsv(grid));
      else
        res
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .attachment(`${file}.xlsx`)
          .send(await formToXlsx(grid));
    }, OPERATION_ROLES.form),
  );
  router.get(
    '/console/api/penalty-instead-of-prosecution',
    signed(
      async (req, res, s) => {
        const criteria = deps.transferCriteria ?? DEFAULT_TRANSFER_CRITERIA;
        const rows = (await penaltyInsteadOfProsecutionFlags(deps.readModels, criteria))
          .filter((f) => inspectionInUnits(s.viewer.units ?? [], f))
          .map((f) => {
            const fakes = f.fakeFindingIds.length;
            // Which criterion flagged it, in the words of the rule.
            const rule =
              fakes >= criteria.fakeCertificatesAtLeast
                ? {
                    id: 'fake-certificates-at-least',
                    zh: `一次检查查出假证 ${fakes} 本，达到 ${criteria.fakeCertificatesAtLeast} 本即应移送公安机关`,
                    en: `${fakes} fake certificates in one inspection; ${criteria.fakeCertificatesAtLeast} or more should be transferred to the police`,
                  }
                : {
                    id: 'seller-subject',
                    zh: `被检查对象为${f.subjectKind === 'intermediary' ? '中介机构' : '培训机构'}（销售方），查出假证即应移送公安机关`,
                    en: `the subject is a seller (${f.subjectKind ?? ''}); any fake certificate should be transferred`,
                  };
            return { ...f, rule };
          });
        record(req, s.viewer, 'export.ledger', {
          view: 'penalty-instead-of-prosecution',
          count: rows.length,
        });
        res.json(rows);
      },
      ['analyst', 'procurator'],
    ),
  );

  if (deps.screening)
    router.use(
      screeningRoutes(auth, deps.screening, (req, viewer, action, subject) =>
        record(req, viewer, action, subject),
      ),
    );

  if (deps.intake)
    router.use(
      intakeRoutes(auth, deps.intake, (req, viewer, action, subject) =>
        record(req, viewer, action, subject),
      ),
    );

  // What each event type is called on the forms and in the documents (the catalogue's titles).
  const titles = Object.fromEntries(EVENT_DEFINITIONS.map((d) => [d.type, d.titleZh]));
  router.get(
    '/console/api/event-titles',
    signed(async (_req, res) => void res.json(titles)),
  );

  router.use('/console/api', (_req, res) =>
    sendProblem(res, { code: 'NOT_FOUND', detail: 'no such console API', detailZh: '无此接口' }),
  );
  router.use('/console/api', (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof z.ZodError) {
      sendProblem(res, {
        code: 'INVALID_REQUEST',
        detailZh: `请求参数有误：${error.issues.map((i) => i.path.join('.') || '请求').join('、')}`,
        detail: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
      return;
    }
    if (!sendErrorProblem(res, error)) next(error);
  });

  if (deps.webDir && existsSync(join(deps.webDir, 'index.html')))
    router.use(staticConsole(deps.webDir, readFileSync(join(deps.webDir, 'index.html'), 'utf8')));
  return { router, auth };
}
