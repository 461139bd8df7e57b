import {
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

let sequence = 0;

/**
 * Reads a secret file, or creates it with `make()` when it does not exist yet. Two processes
 * that start at once must end up with the same secret (a key that differs between them would
 * seal data that the other cannot open), so the file is created exclusively: the secret is
 * written and synced under a name of this process's own, then linked to its real name, which
 * fails when another process got there first; its secret is then the one read. A reader never
 * sees a half-written file, and a crash never leaves an empty one (mode 0600).
 */
export function readOrCreateSecretFile(file: string, make: () => string): string {
  const existing = readIfExists(file);
  if (existing !== undefined) return existing;
  const tmp = `${file}.${process.pid}.${sequence++}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, make());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkOnce(tmp, file);
    syncDirectory(dirname(file));
  } finally {
    rmSync(tmp, { force: true });
  }
  return readFileSync(file, 'utf8');
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Gives `tmp` the name `file` unless `file` exists; a file system without hard links copies. */
function linkOnce(tmp: string, file: string): void {
  try {
    linkSync(tmp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    try {
      copyFileSync(tmp, file, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code !== 'EEXIST') throw copyError;
    }
  }
}

/** The new name survives a power loss only once its directory is synced too. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
