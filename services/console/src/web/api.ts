/**
 * The console talks to its own hub: GraphQL (the API's roles and scoping apply) and the few
 * /console/api routes, with the session cookie and the session's CSRF token in a header.
 */
let csrf = '';
export const setCsrf = (token: string) => void (csrf = token);
export const getCsrf = () => csrf;

/** A failure for people: the message in both languages ("中文 / English"), and its code. */
export class HubError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const NETWORK =
  '无法连接平台，请检查网络后重试 / the hub cannot be reached: check the network and try again';

/** A problem+json body's message for a person: Chinese first (detailZh or titleZh), English after. */
export function problemMessage(body: ProblemBody): string | undefined {
  const han = /[\u4e00-\u9fff]/;
  const zh = body.detailZh ?? (body.detail && han.test(body.detail) ? body.detail : body.titleZh);
  const en = body.detail && !han.test(body.detail) ? body.detail : body.title;
  if (zh && en) return `${zh} / ${en}`;
  return zh ?? en;
}

export interface ProblemBody {
  title?: string;
  titleZh?: string;
  detail?: string;
  detailZh?: string;
  code?: string;
}

async function problemOf(res: Response): Promise<HubError> {
  const body = (await res.json().catch(() => ({}))) as ProblemBody;
  if (res.status === 401)
    return new HubError(
      problemMessage(body) ?? '登录已过期，请重新登录 / the session has expired: sign in again',
      body.code ?? 'SESSION_EXPIRED',
      401,
    );
  return new HubError(
    problemMessage(body) ??
      `平台暂时无法处理该请求（${res.status}），请稍后重试 / the hub could not do this (${res.status}): try again later`,
    body.code,
    res.status,
  );
}

export async function rest<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: globalThis.Response;
  try {
    res = await fetch(path, {
      ...init,
      credentials: 'same-origin',
      headers: {
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
        'X-CSRF-Token': csrf,
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  } catch {
    throw new HubError(NETWORK);
  }
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

/** GraphQL errors in the user's terms: codes to sentences saying what to do. */
const GRAPHQL_CODES: Record<string, string> = {
  FORBIDDEN:
    '您的角色或单位无权查看该内容。如需查看，请联系管理员 / your role or units may not see this: ask an administrator',
  UNAUTHENTICATED: '登录已过期，请重新登录 / the session has expired: sign in again',
  BAD_USER_INPUT: '查询条件有误，请检查后重试 / the query is not valid: check it and try again',
  RATE_LIMITED: '请求过于频繁，请稍候再试 / too many requests: wait a moment and try again',
};

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: globalThis.Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new HubError(NETWORK);
  }
  if (res.headers.get('content-type')?.includes('problem')) throw await problemOf(res);
  const body = (await res.json().catch(() => undefined)) as
    | {
        data?: T;
        errors?: Array<{ message: string; extensions?: { code?: string; reason?: string } }>;
      }
    | undefined;
  const error = body?.errors?.[0];
  if (error || !body?.data) {
    const code = error?.extensions?.reason ?? error?.extensions?.code;
    const message =
      error && /[\u4e00-\u9fff]/.test(error.message)
        ? error.message
        : (GRAPHQL_CODES[error?.extensions?.code ?? ''] ??
          `平台暂时无法处理该请求，请稍后重试 / the hub could not do this: try again later`);
    throw new HubError(message, code, res.status === 401 ? 401 : undefined);
  }
  return body.data;
}

/**
 * Downloads a file the hub makes (an export on the audit record), with the CSRF header a
 * plain link could not send; reports the bytes received as they come.
 */
export async function download(path: string, onProgress: (bytes: number) => void): Promise<void> {
  let res: globalThis.Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } });
  } catch {
    throw new HubError(NETWORK);
  }
  if (!res.ok || !res.body) throw await problemOf(res);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.length;
    onProgress(bytes);
  }
  const name =
    /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export';
  const url = URL.createObjectURL(
    new Blob(chunks as BlobPart[], { type: res.headers.get('content-type') ?? '' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = decodeURIComponent(name);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let titles: Promise<Record<string, string>> | undefined;
/** Event types as the documents name them (移送涉嫌犯罪案件线索 …), asked once. */
export function eventTitles(): Promise<Record<string, string>> {
  titles ??= rest<Record<string, string>>('/console/api/event-titles').catch(() => ({}));
  return titles;
}
