import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  dir: string;
  /** Fills the disk, leaving about `bytes` free. */
  fill(bytes?: number): void;
  /** Gives back what fill() took. */
  free(): void;
  unmount(): void;
}

/**
 * A real small file system (tmpfs of `bytes`) to run out of space on: the kernel answers
 * ENOSPC exactly as a full disk does. Needs root (or CAP_SYS_ADMIN); where mounting is not
 * allowed, `reason` says why and the tests that need it are skipped with it.
 */
export function mountSmallDisk(bytes: number): SmallDisk | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hub-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = String((error as { stderr?: Buffer }).stderr ?? error)
      .trim()
      .split('\n')[0];
    return {
      reason: `cannot mount a small tmpfs here (${detail}); run as root to test a full disk`,
    };
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill(leave = 0) {
      const free = freeBytes(dir);
      const take = Math.max(0, free - leave);
      // Written in one go: tmpfs allocates as it is written, and refuses past its size.
      writeFileSync(filler, Buffer.alloc(take));
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}
