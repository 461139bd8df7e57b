import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Another process holds the data directory for the same role. */
export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
    readonly role: LockRole,
  ) {
    const pid = holderPid === undefined ? '（PID 未知）' : `（PID ${holderPid}）`;
    const pidEn = holderPid === undefined ? '(PID unknown)' : `(PID ${holderPid})`;
    const what = ROLE_NAMES[role];
    super(
      `数据目录 ${dataDir} 已被另一个 ${what.zh} 进程使用${pid}，同一数据目录只能运行一个 ${what.zh} / the data directory ${dataDir} is in use by another ${what.en} ${pidEn}; run one ${what.en} per data directory`,
    );
  }
}

/**
 * What a lock guards: `hub` for `hub start` (projections, screening jobs, the HTTP API),
 * `kafka-bridge` for whichever process relays the inboxes (`hub start` with KAFKA_BROKERS, or
 * `hub bridge`): each keeps checkpoints in the data directory that a twin would fight over.
 */
export type LockRole = 'hub' | 'kafka-bridge';

const ROLE_NAMES: Record<LockRole, { zh: string; en: string }> = {
  hub: { zh: 'hub', en: 'hub' },
  'kafka-bridge': { zh: 'Kafka 桥接', en: 'Kafka bridge' },
};

export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for one long-running role, or throws DataDirLockedError naming the
 * holder. The lock is an open exclusive transaction on `<role>.lock`, an SQLite file: SQLite
 * locks it with the operating system's file locks, which the kernel drops when the holder
 * dies, so a hub killed with kill -9 never leaves a stale lock behind (a PID file alone would,
 * and would need guessing whether a recorded PID still means the same process). The holder's
 * PID is written beside it only for the message a second process prints.
 */
export function lockDataDir(dataDir: string, role: LockRole): DataDirLock {
  const lockFile = join(dataDir, `${role}.lock`);
  const pidFile = join(dataDir, `${role}.pid`);
  const db = new Database(lockFile);
  // Fail at once instead of waiting: the holder may run for months.
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    throw new DataDirLockedError(dataDir, holderPid(pidFile), role);
  }
  // Written whole or not at all: a second process never reads half a PID.
  const tmp = `${pidFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  renameSync(tmp, pidFile);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

function holderPid(pidFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch (error) {
    // The holder took the lock a moment ago and has not written its PID yet.
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
