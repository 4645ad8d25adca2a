/**
 * What the parent checks of an output after the child says it succeeded, and the clean-up
 * after a failure. The child's word is not enough: it may have written nothing, too much, or
 * (if compromised) a symlink where the output should be.
 */
import { lstat, rm } from 'node:fs/promises';
import type { Failure } from './outcomes.js';

/** The output's size in bytes, or why it is refused (the file is then removed). */
export async function checkOutput(
  outputPath: string,
  maxOutputBytes: number,
): Promise<{ ok: true; bytes: number } | { ok: false; failure: Failure }> {
  const stats = await lstat(outputPath).catch(() => null);
  if (!stats || !stats.isFile()) {
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
  if (stats.size > maxOutputBytes) {
    await removeOutput(outputPath);
    return {
      ok: false,
      failure: {
        error: {
          code: 'OUTPUT_TOO_LARGE',
          message: `The output (${stats.size} bytes) is larger than the limit of ${maxOutputBytes} bytes.`,
        },
        transient: false,
      },
    };
  }
  return { ok: true, bytes: stats.size };
}

/** Removes whatever is at the output path; never throws. */
export async function removeOutput(outputPath: string): Promise<void> {
  await rm(outputPath, { force: true, recursive: true }).catch(() => undefined);
}
