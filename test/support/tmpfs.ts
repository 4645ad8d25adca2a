/**
 * A small tmpfs for tests of a full disk: mounted on a fresh folder, filled on demand, and
 * unmounted after. Mounting needs root (CI runs as root); where it fails the tests that need
 * it are skipped with a notice — except on CI (`CI=true`), where that is a failure.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, rmdir, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  dir: string;
  unmount(): Promise<void>;
}

/** A tmpfs of `sizeMiB` on a new folder, or why it could not be mounted. */
export async function mountTmpfs(sizeMiB: number): Promise<Tmpfs | { problem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}M`, 'tmpfs', dir]);
  } catch (error) {
    await rmdir(dir).catch(() => undefined);
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return { problem: stderr || (error as Error).message };
  }
  return {
    dir,
    async unmount() {
      // Lazy: a worker process that still holds a file open must not keep the mount.
      await run('umount', ['-l', dir]);
      await rmdir(dir);
    },
  };
}

/** Stands in for the suite `title` when no tmpfs could be mounted. */
export function itNeedsTmpfs(title: string, problem: string): void {
  it(title, (t) => {
    const message = `cannot mount a tmpfs (needs root): ${problem}`;
    if (process.env.CI === 'true') assert.fail(message);
    t.skip(message);
  });
}

/**
 * Writes `path` until the filesystem refuses (ENOSPC), leaving `leaveBytes` free (0: none at
 * all, down to the last block). Returns the bytes written.
 */
export async function fillDisk(path: string, leaveBytes = 0): Promise<number> {
  const stats = await statfs(dirname(path));
  const target = stats.bavail * stats.bsize - leaveBytes;
  const handle = await open(path, 'w');
  let written = 0;
  try {
    for (const chunk of [1024 * 1024, 4096]) {
      const buffer = Buffer.alloc(chunk, 1);
      while (leaveBytes === 0 || written + chunk <= target) {
        try {
          await handle.write(buffer, 0, chunk);
          written += chunk;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    await handle.close();
  }
  return written;
}

/** Removes what `fillDisk` wrote. */
export async function emptyDisk(path: string): Promise<void> {
  await rm(path, { force: true });
}
