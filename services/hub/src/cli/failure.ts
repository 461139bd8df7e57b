/**
 * How the hub command reports a failure: always one line on stderr, in the user's terms,
 * Chinese first. Exit status 2 for what the user can act on (usage, configuration, files,
 * ports, a locked or full data directory, an unreachable store), 1 for an internal failure,
 * whose stack trace only LOG_LEVEL=debug prints.
 */

/** Codes of the hub's own errors that are the user's to act on; their messages are for people. */
const USER_ERROR_CODES = new Set([
  'USAGE',
  'CONFIG_INVALID',
  'SERVER_KEY_MISSING',
  'MOVE_REFUSED',
  'EVENT_STORE_UNAVAILABLE',
  'EVENT_STORE_FULL',
  'READ_MODEL_STORE_FULL',
  'DATA_DIR_LOCKED',
  'UNKNOWN_FORM',
  'INVALID_PERIOD',
  'UNKNOWN_UNIT',
]);

type SystemError = Error & {
  code?: unknown;
  path?: string;
  dest?: string;
  syscall?: string;
  address?: string;
  port?: number;
};

/** Errors of the operating system and of SQLite, as people read them. */
const SYSTEM_MESSAGES: Record<string, (e: SystemError) => string> = {
  ENOENT: (e) => `文件或目录不存在：${e.path} / no such file or directory: ${e.path}`,
  EACCES: (e) => `没有权限访问 ${e.path} / permission denied: ${e.path}`,
  EPERM: (e) => `不允许的操作：${e.path} / operation not permitted: ${e.path}`,
  EISDIR: (e) => `${e.path} 是目录，这里需要文件 / ${e.path} is a directory, a file is needed`,
  ENOTDIR: (e) => `路径中有一段不是目录：${e.path} / not a directory: ${e.path}`,
  EROFS: (e) => `文件系统只读，无法写入 ${e.path} / read-only file system: ${e.path}`,
  ENOSPC: (e) => `磁盘已满，无法写入 ${e.path ?? ''} / no space left on the device ${e.path ?? ''}`,
  EADDRINUSE: (e) =>
    `端口 ${e.port} 已被占用（可设置 PORT） / port ${e.port} is already in use (set PORT)`,
  EADDRNOTAVAIL: (e) =>
    `本机没有地址 ${e.address}（检查 HOST） / this machine has no address ${e.address} (check HOST)`,
  ECONNREFUSED: (e) =>
    `无法连接 ${e.address}:${e.port}，服务未运行或地址有误 / cannot connect to ${e.address}:${e.port}: nothing listens there`,
  SQLITE_BUSY: () =>
    '数据目录中的数据库正被另一进程长时间占用，请稍后重试 / a database in the data directory is held by another process for too long; try again',
  SQLITE_CANTOPEN: () =>
    '无法打开数据目录中的数据库（检查 HUB_DATA_DIR 及其权限） / cannot open a database in the data directory (check HUB_DATA_DIR and its permissions)',
  SQLITE_READONLY: () =>
    '数据目录中的数据库只读，无法写入 / a database in the data directory is read-only',
  SQLITE_FULL: () => '磁盘已满，数据库无法写入 / the disk is full: a database cannot write',
  SQLITE_CORRUPT: () => '数据目录中的数据库已损坏 / a database in the data directory is corrupt',
};

export interface Failure {
  line: string;
  exitCode: 1 | 2;
}

/** One line for any failure of a command, and its exit status. */
export function describeFailure(error: unknown, showStack = false): Failure {
  const e = (error instanceof Error ? error : new Error(String(error))) as SystemError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && USER_ERROR_CODES.has(code)) return { line: oneLine(e.message), exitCode: 2 };
  // SQLite's extended codes (SQLITE_BUSY_SNAPSHOT) read as their primary code.
  const key =
    code?.startsWith('SQLITE_') && !SYSTEM_MESSAGES[code] ? code.split('_', 2).join('_') : code;
  const system = key === undefined ? undefined : SYSTEM_MESSAGES[key];
  if (system) return { line: oneLine(system(e)), exitCode: 2 };
  if (showStack) return { line: e.stack ?? e.message, exitCode: 1 };
  return {
    line: oneLine(
      `内部错误：${e.message}（设置 LOG_LEVEL=debug 可显示调用栈） / internal error: ${e.message} (LOG_LEVEL=debug shows the stack)`,
    ),
    exitCode: 1,
  };
}

/** Messages of several lines (a configuration with several mistakes) joined on one. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, '; ');
}
