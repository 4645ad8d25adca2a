/**
 * What the parent checks of an output after the child says it succeeded, and the clean-up
 * after a failure. The child's word is not enough: it may have written nothing, too much, or
 * (if compromised) a symlink where the output should be.
 */
import { lstat, rm } from 'node:fs/promises';
import type { Failure } from './outcomes.js';

/**
 * The output's size in bytes, or why it is refused (the file is then removed). `knownBytes`:
 * its size as the caller has just read it from a plain file it put there (the sandbox's
 * hand-over), which spares reading it again; null to read it here.
 */
export async function checkOutput(
  outputPath: string,
  maxOutputBytes: number,
  knownBytes: number | null = null,
): Promise<{ ok: true; bytes: number } | { ok: false; failure: Failure }> {
  const size = knownBytes ?? (await plainFileSize(outputPath));
  if (size === null) {
    await removeOutput(outputPath);
    return {
      ok: false,
      failure: {
        error: {
          code: 'PROCESSOR_ERROR',
          message: 'The processor reported success but wrote no output file.',
        },
        transient: false,
      },
    };
  }
  if (size > maxOutputBytes) {
    await removeOutput(outputPath);
    return {
      ok: false,
      failure: {
        error: {
          code: 'OUTPUT_TOO_LARGE',
          message: `The output (${size} bytes) is larger than the limit of ${maxOutputBytes} bytes.`,
        },
        transient: false,
      },
    };
  }
  return { ok: true, bytes: size };
}

/** The size of the plain file at `path`, or null when there is none there. */
async function plainFileSize(path: string): Promise<number | null> {
  const stats = await lstat(path).catch(() => null);
  return stats?.isFile() ? stats.size : null;
}

/** Removes whatever is at the output path; never throws. */
export async function removeOutput(outputPath: string): Promise<void> {
  await rm(outputPath, { force: true, recursive: true }).catch(() => undefined);
}
