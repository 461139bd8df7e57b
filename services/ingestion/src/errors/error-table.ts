/**
 * The one table that turns a failure's stable code into an answer: the HTTP status of a
 * problem+json (RFC 9457), the GraphQL `extensions.code`, and a title for people, Chinese
 * first. Errors carry a literal `code`; routes and resolvers pass them on, never map them.
 */
export interface ErrorAnswer {
  status: number;
  graphql: string;
  titleZh: string;
  title: string;
}

const answer = (status: number, graphql: string, titleZh: string, title: string) => ({
  status,
  graphql,
  titleZh,
  title,
});

export const ERROR_TABLE: Readonly<Record<string, ErrorAnswer>> = {
  // The event store's typed errors.
  WRONG_EXPECTED_REVISION: answer(409, 'CONFLICT', '流版本与预期不符', 'Wrong expected revision'),
  IDEMPOTENCY_CONFLICT: answer(409, 'CONFLICT', '同一事件编号已有不同内容', 'Idempotency conflict'),
  EVENT_TOO_LARGE: answer(413, 'PAYLOAD_TOO_LARGE', '事件过大', 'Event too large'),
  INVALID_APPEND: answer(400, 'BAD_USER_INPUT', '追加请求无效', 'Invalid append'),
  EVENT_STORE_UNAVAILABLE: answer(
    503,
    'SERVICE_UNAVAILABLE',
    '事件库不可用',
    'Event store unavailable',
  ),
  // 507 Insufficient Storage: nothing was written; the same request may succeed later.
  EVENT_STORE_FULL: answer(
    507,
    'SERVICE_UNAVAILABLE',
    '存储空间已满，未写入',
    'The store cannot write: no space',
  ),
  // Recording hub-originated events (verifications, screenings, unmaskings).
  RECORD_CONFLICT: answer(409, 'CONFLICT', '请求编号已用于其他内容', 'Request id already used'),
  RECORD_INVALID: answer(400, 'BAD_USER_INPUT', '无法记录该请求', 'Cannot record the request'),
  // Agency batch signatures.
  SIGNATURE_REQUIRED: answer(401, 'UNAUTHENTICATED', '须对批次签名', 'The batch must be signed'),
  SIGNATURE_INVALID: answer(401, 'UNAUTHENTICATED', '批次签名无效', 'Invalid batch signature'),
  // Personal data.
  PERSONAL_DATA_DESTROYED: answer(410, 'GONE', '个人信息已销毁', 'Personal data destroyed'),
  SUBJECT_KEYS_CHANGED: answer(503, 'SERVICE_UNAVAILABLE', '请重试', 'Retry the request'),
  UNMASKING_FORBIDDEN: answer(403, 'FORBIDDEN', '无权解密查看', 'Unmasking not allowed'),
  CERTIFICATE_NOT_FOUND: answer(404, 'NOT_FOUND', '登记库中无此证书', 'Unknown certificate'),
  // Names a request or observation gives that the name value object refuses.
  NAME_EMPTY: answer(400, 'BAD_USER_INPUT', '名称为空', 'Empty name'),
  NAME_TOO_LONG: answer(400, 'BAD_USER_INPUT', '名称过长', 'Name too long'),
  NAME_INVISIBLE_CHARACTER: answer(
    400,
    'BAD_USER_INPUT',
    '名称含不可见字符',
    'Invisible character in a name',
  ),
  // Client data that would inflate past a limit (bounded-body.ts, XLSX parts).
  BODY_TOO_LARGE: answer(413, 'PAYLOAD_TOO_LARGE', '请求体过大', 'Body too large'),
  COMPRESSION_RATIO_TOO_HIGH: answer(
    413,
    'PAYLOAD_TOO_LARGE',
    '压缩比过高',
    'Compression ratio too high',
  ),
  XLSX_PART_TOO_LARGE: answer(413, 'PAYLOAD_TOO_LARGE', 'XLSX 部件过大', 'XLSX part too large'),
  XLSX_TOO_MANY_PARTS: answer(413, 'PAYLOAD_TOO_LARGE', 'XLSX 部件过多', 'Too many XLSX parts'),
  XLSX_INVALID: answer(400, 'BAD_USER_INPUT', 'XLSX 文件无效', 'Invalid XLSX'),
  UNSUPPORTED_CONTENT_ENCODING: answer(
    415,
    'BAD_USER_INPUT',
    '不支持的内容编码',
    'Unsupported content encoding',
  ),
  // Reports.
  UNKNOWN_FORM: answer(404, 'BAD_USER_INPUT', '无此报表或栏目', 'Unknown form or figure'),
  INVALID_PERIOD: answer(400, 'BAD_USER_INPUT', '报告期有误', 'Invalid period'),
  // Who asks.
  UNAUTHENTICATED: answer(401, 'UNAUTHENTICATED', '未认证或凭证无效', 'Unauthenticated'),
  ROLE_FORBIDDEN: answer(403, 'FORBIDDEN', '本角色无权使用', 'Not allowed for your role'),
  // The audit trail: an opening whose record cannot be written is not carried out.
  AUDIT_UNAVAILABLE: answer(
    503,
    'SERVICE_UNAVAILABLE',
    '审计记录无法写入，未予执行',
    'Audit record could not be written',
  ),
  AUDIT_QUERY_INVALID: answer(400, 'BAD_USER_INPUT', '审计查询条件有误', 'Invalid audit query'),
  UNKNOWN_UNIT: answer(404, 'BAD_USER_INPUT', '未知的行政区划代码', 'Unknown division code'),
  // Reading outside one's units.
  OUT_OF_SCOPE: answer(403, 'FORBIDDEN', '超出本单位辖区', 'Outside your units'),
  RATE_LIMITED: answer(429, 'RATE_LIMITED', '请求过于频繁', 'Too many requests'),
  // The console: sign-in, sessions, administration.
  SIGN_IN_FAILED: answer(401, 'UNAUTHENTICATED', '登录失败', 'Sign-in failed'),
  SESSION_EXPIRED: answer(401, 'UNAUTHENTICATED', '登录已过期', 'Session expired'),
  CSRF_REJECTED: answer(403, 'FORBIDDEN', '请求来源校验失败', 'Cross-site request refused'),
  ACCOUNT_INVALID: answer(400, 'BAD_USER_INPUT', '账户信息有误', 'Invalid account details'),
  LOGIN_TAKEN: answer(409, 'CONFLICT', '登录名已被使用', 'User name already taken'),
  USER_NOT_FOUND: answer(404, 'NOT_FOUND', '无此用户', 'No such user'),
};

/** The answer for an error that carries a known code, or undefined for an unexpected failure. */
export function answerFor(error: unknown): (ErrorAnswer & { code: string }) | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error) || typeof code !== 'string') return undefined;
  const found = ERROR_TABLE[code];
  return found ? { ...found, code } : undefined;
}
