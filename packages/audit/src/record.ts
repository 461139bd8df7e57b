import type { HashAlg } from '@hub/crypto';

/**
 * What is audited, as stable dotted codes (machines filter on them; people read the Chinese
 * label first). A family is the part before the dot: `export` matches every `export.*`.
 */
export const AUDIT_ACTIONS = [
  'personal_data.unmask',
  'personal_data.relay',
  'personal_data.forget',
  'personal_data.move_keys',
  'personal_data.rewrap',
  'certificate.verify',
  'certificate.import',
  'screening.submit',
  'screening.status',
  'screening.results',
  'screening.delete',
  'events.import',
  'export.form',
  'export.drilldown',
  'export.rates',
  'export.ledger',
  'export.worklist',
  'export.case',
  'export.activity',
  'credential.create',
  'credential.revoke',
  'user.create',
  'user.revoke',
  'user.update',
  'user.reset',
  'auth.failed',
  'auth.sign_in',
  'auth.sign_out',
  'evidence.verify',
  'evidence.checkpoint',
  'evidence.migrate',
  'evidence.move',
  'agency_key.register',
  'agency_key.revoke',
  'audit.read',
  'audit.purge',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const isAuditAction = (value: unknown): value is AuditAction =>
  (AUDIT_ACTIONS as readonly unknown[]).includes(value);

/** Each action as people read it, Chinese first. */
export const ACTION_LABELS: Record<AuditAction, { zh: string; en: string }> = {
  'personal_data.unmask': { zh: '解密查看身份证号', en: 'ID number opened' },
  'personal_data.relay': { zh: '向有权机关推送明文身份证号', en: 'ID numbers relayed in clear' },
  'personal_data.forget': { zh: '销毁个人信息密钥', en: "a person's keys destroyed" },
  'personal_data.move_keys': {
    zh: '个人信息密钥迁入 PostgreSQL',
    en: "data subjects' keys moved into PostgreSQL",
  },
  'personal_data.rewrap': {
    zh: '个人信息密钥改用当前主密钥封装',
    en: "data subjects' keys re-wrapped under the current master key",
  },
  'certificate.verify': { zh: '证书核验', en: 'certificate checked' },
  'certificate.import': { zh: '导入发证数据', en: 'issuer export imported' },
  'screening.submit': { zh: '名单比对', en: 'roster screened' },
  'screening.status': { zh: '查看比对状态', en: 'screening status read' },
  'screening.results': { zh: '下载比对结果', en: 'screening results downloaded' },
  'screening.delete': { zh: '删除比对结果', en: 'screenings and their results deleted' },
  'events.import': { zh: '上传业务报表', en: 'spreadsheet of events uploaded' },
  'export.form': { zh: '导出统计报表', en: 'form exported' },
  'export.drilldown': { zh: '报表单元格下钻', en: 'form cell drilled into' },
  'export.rates': { zh: '查看两个100%比率', en: 'rates read' },
  'export.ledger': { zh: '查看线索台账', en: 'clue ledger read' },
  'export.worklist': { zh: '查看检察工作清单', en: 'worklist read' },
  'export.case': { zh: '查看刑事案件', en: 'cases read' },
  'export.activity': { zh: '查看部门发布情况', en: 'agency activity read' },
  'credential.create': { zh: '创建接入凭证', en: 'credential created' },
  'credential.revoke': { zh: '吊销接入凭证', en: 'credential revoked' },
  'user.create': { zh: '创建用户', en: 'user created' },
  'user.revoke': { zh: '停用用户', en: 'user revoked' },
  'user.update': { zh: '修改用户角色或单位', en: 'user role or units changed' },
  'user.reset': { zh: '重置用户登录方式', en: 'user sign-in reset' },
  'auth.failed': { zh: '认证失败', en: 'authentication failed' },
  'auth.sign_in': { zh: '登录控制台', en: 'signed in to the console' },
  'auth.sign_out': { zh: '退出控制台', en: 'signed out of the console' },
  'evidence.verify': { zh: '核验历史完整性', en: 'history verified' },
  'evidence.checkpoint': { zh: '签署链检查点', en: 'chain checkpoint signed' },
  'evidence.migrate': { zh: '迁移事件库（加密并入链）', en: 'store migrated (sealed and chained)' },
  'evidence.move': {
    zh: '将内嵌平台迁入服务器模式（PostgreSQL）',
    en: 'embedded hub moved into server mode (PostgreSQL)',
  },
  'agency_key.register': { zh: '登记部门签名密钥', en: 'agency signing key registered' },
  'agency_key.revoke': { zh: '吊销部门签名密钥', en: 'agency signing key revoked' },
  'audit.read': { zh: '查阅审计记录', en: 'audit trail read' },
  'audit.purge': { zh: '清除过期审计记录', en: 'audit records purged' },
};

export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
/** ok: done; refused: the hub said no (authentication, right, scope, bad request); failed: an error. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const OUTCOME_LABELS: Record<AuditOutcome, string> = {
  ok: '成功 ok',
  refused: '拒绝 refused',
  failed: '失败 failed',
};

/** Who acted: a signed-in person, an agency system with its credential, or the hub command. */
export interface AuditActor {
  kind: 'user' | 'agency-system' | 'cli';
  /** User id, credential id (tokenId), or the operating-system user of the command. */
  id: string;
  name?: string;
  /** The officer acting through an agency system (its `X-Officer-Id`), when it says. */
  officerId?: string;
  role?: string;
  agency?: string;
  /** The division codes the actor works in (`000000`: the whole country). */
  units?: string[];
}

/** What was accessed. Never an ID number: a person is named by the match key of theirs. */
export interface AuditSubject {
  /** The vault's match key of the holder's ID number (`matchKey(idNumber)`). */
  holderKey?: string;
  /** The registry key of a certificate (keyed hash of type and number). */
  registryKey?: string;
  certificateType?: string;
  numberMasked?: string;
  form?: string;
  figure?: string;
  /** The division the access concerns (the reporting unit, the form's unit …). */
  unit?: string;
  period?: string;
  format?: string;
  screeningId?: string;
  clueId?: string;
  unmaskingId?: string;
  verificationId?: string;
  tokenId?: string;
  userId?: string;
  /** Which listing (clues, clue, due, penalty-instead-of-prosecution, subscription …). */
  view?: string;
  /** The GraphQL root field, for reads over GraphQL. */
  field?: string;
  /** A summary of the request's arguments (ID numbers replaced by match keys). */
  args?: Record<string, string | number | boolean>;
  /** Rows given out, imported or removed. */
  count?: number;
}

/** Where the request came from. */
export interface AuditOrigin {
  ip?: string;
  requestId?: string;
  correlationId?: string;
  /** The machine a command ran on. */
  host?: string;
}

export interface AuditResult {
  outcome: AuditOutcome;
  /** The error code of a refusal or failure; for a check, its finding (valid, revoked …). */
  code?: string;
}

/** What a caller records; the trail stamps id and time. */
export interface AuditEntry {
  /** When it happened (UTC ISO); the trail stamps now when absent. */
  at?: string;
  actor: AuditActor;
  action: AuditAction;
  purpose?: string;
  caseId?: string;
  subject?: AuditSubject;
  from?: AuditOrigin;
  result: AuditResult;
}

/** The body of a record: what its hash covers, besides its place in the chain. */
export interface AuditBody {
  id: string;
  /** UTC, ISO 8601 with milliseconds (shown to people in Asia/Shanghai). */
  at: string;
  actor: AuditActor;
  action: AuditAction;
  purpose?: string;
  caseId?: string;
  subject: AuditSubject;
  from: AuditOrigin;
  result: AuditResult;
}

/** A stored record: its body, its place in the log, and its link in the hash chain. */
export interface AuditRecord extends AuditBody {
  seq: number;
  /** `<alg>:<hex>`: alg(previous hash, seq, canonical body); the algorithm named in each. */
  hash: string;
}

export type AuditHashAlg = HashAlg;
