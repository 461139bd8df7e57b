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

const answer = (status: number, graphql: string, titleZh: string, title: string): ErrorAnswer => ({
  status,
  graphql,
  titleZh,
  title,
});

export const ERROR_TABLE = {
  // The event store's typed errors.
  WRONG_EXPECTED_REVISION: answer(409, 'CONFLICT', '流版本与预期不符', 'Wrong expected revision'),
  IDEMPOTENCY_CONFLICT: answer(409, 'CONFLICT', '同一事件编号已有不同内容', 'Idempotency conflict'),
  EVENT_TOO_LARGE: answer(413, 'PAYLOAD_TOO_LARGE', '事件过大', 'Event too large'),
  // The server's limit for one transaction (KurrentDB): nothing written; smaller batches go in.
  APPEND_TOO_LARGE: answer(
    413,
    'PAYLOAD_TOO_LARGE',
    '批次过大，请拆小后重试',
    'Append too large for one transaction',
  ),
  // A stored event the store cannot read back (metadata not a JSON object): never guessed at.
  EVENT_UNREADABLE: answer(
    500,
    'INTERNAL_SERVER_ERROR',
    '事件库中的事件无法读取',
    'Stored event unreadable',
  ),
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
  // The request itself: what HTTP answers before any capability is reached.
  INVALID_REQUEST: answer(400, 'BAD_USER_INPUT', '请求参数有误', 'Invalid request'),
  MALFORMED_JSON: answer(400, 'BAD_USER_INPUT', '请求体不是有效的 JSON', 'Malformed JSON'),
  BODY_NOT_DECOMPRESSIBLE: answer(
    400,
    'BAD_USER_INPUT',
    '请求体无法按 Content-Encoding 解压',
    'Body does not decompress',
  ),
  BAD_REQUEST: answer(400, 'BAD_USER_INPUT', '请求有误', 'Bad request'),
  UNSUPPORTED_MEDIA_TYPE: answer(
    415,
    'BAD_USER_INPUT',
    '不支持的内容类型或字符集',
    'Unsupported media type',
  ),
  NOT_FOUND: answer(404, 'NOT_FOUND', '无此资源', 'Not found'),
  // Publishing a batch of events: nothing of a refused batch is written.
  INVALID_BATCH: answer(400, 'BAD_USER_INPUT', '批次格式有误，未写入', 'Invalid batch'),
  INVALID_EVENTS: answer(400, 'BAD_USER_INPUT', '批次中有事件不合格，未写入', 'Invalid events'),
  EVENTS_FORBIDDEN: answer(
    403,
    'FORBIDDEN',
    '批次中有本单位无权发布的事件，未写入',
    'Events your agency may not publish',
  ),
  // Screenings and the ledger read back by id.
  UNKNOWN_SCREENING: answer(404, 'NOT_FOUND', '本单位无此比对任务', 'Unknown screening'),
  SCREENING_RUNNING: answer(409, 'CONFLICT', '比对尚未完成', 'Screening still running'),
  SCREENING_FAILED: answer(409, 'CONFLICT', '比对失败，无结果', 'Screening failed'),
  UNKNOWN_CLUE: answer(404, 'NOT_FOUND', '台账中无此线索', 'Unknown clue'),
  UNKNOWN_CASE: answer(404, 'NOT_FOUND', '无此案件', 'Unknown case'),
  // The hub itself.
  NOT_READY: answer(503, 'SERVICE_UNAVAILABLE', '服务尚未就绪', 'Not ready'),
  INTERNAL_ERROR: answer(500, 'INTERNAL_SERVER_ERROR', '服务器内部错误', 'Internal server error'),
  // The console: sign-in, sessions, administration.
  SIGN_IN_FAILED: answer(401, 'UNAUTHENTICATED', '登录失败', 'Sign-in failed'),
  SESSION_EXPIRED: answer(401, 'UNAUTHENTICATED', '登录已过期', 'Session expired'),
  CSRF_REJECTED: answer(403, 'FORBIDDEN', '请求来源校验失败', 'Cross-site request refused'),
  ACCOUNT_INVALID: answer(400, 'BAD_USER_INPUT', '账户信息有误', 'Invalid account details'),
  LOGIN_TAKEN: answer(409, 'CONFLICT', '登录名已被使用', 'User name already taken'),
  USER_NOT_FOUND: answer(404, 'NOT_FOUND', '无此用户', 'No such user'),
};

/** The stable codes of the table: every problem+json answer carries one. */
export type ErrorCode = keyof typeof ERROR_TABLE;

/** Narrows a code carried by an error to one of the table. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_TABLE, code);
}

/** The answer for an error that carries a known code, or undefined for an unexpected failure. */
export function answerFor(error: unknown): (ErrorAnswer & { code: ErrorCode }) | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error) || !isErrorCode(code)) return undefined;
  return { ...ERROR_TABLE[code], code };
}
