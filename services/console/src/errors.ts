/**
 * Console failures: each carries a code of the one error table (services/ingestion) and a
 * message for people, Chinese first, saying what to do next.
 */
export class ConsoleError extends Error {
  constructor(
    readonly code:
      | 'SIGN_IN_FAILED'
      | 'SESSION_EXPIRED'
      | 'CSRF_REJECTED'
      | 'ACCOUNT_INVALID'
      | 'LOGIN_TAKEN'
      | 'USER_NOT_FOUND'
      | 'ROLE_FORBIDDEN',
    message: string,
  ) {
    super(message);
  }
}

export const signInFailed = () =>
  new ConsoleError(
    'SIGN_IN_FAILED',
    '用户名或密码不正确，或登录链接已使用、已过期。请重新输入，或请管理员重新发放登录链接 / the user name or password is wrong, or the sign-in link was used or has expired: try again, or ask an administrator for a new link',
  );

export const sessionExpired = () =>
  new ConsoleError(
    'SESSION_EXPIRED',
    '未登录或登录已过期，请重新登录 / not signed in, or the session has expired: sign in again',
  );

export const csrfRejected = () =>
  new ConsoleError(
    'CSRF_REJECTED',
    '请求缺少本页的校验码，可能来自其他网站。请刷新页面后重试 / the request lacks this page’s check code and may come from another site: reload the page and try again',
  );

export const roleForbidden = (what: string) =>
  new ConsoleError(
    'ROLE_FORBIDDEN',
    `您的角色无权${what}。如需使用，请联系管理员 / your role may not do this (${what}): ask an administrator`,
  );
