/**
 * Turns how a task ended — the child's reply, or the child's death — into a file error with
 * a client-safe message and whether a retry may help. The pool's own kills (time, memory,
 * cancel) are decided where they happen; this covers everything else.
 */
import { constants } from 'node:os';
import { isErrorCode, type FileError } from '../core/errors.js';
import { saysNoSpace } from '../core/no-space.js';
import { sanitiseMessage, type SanitiseContext } from './sanitise-message.js';

/**
 * The disk filled while the file was written (ENOSPC, EDQUOT; a library's "No space left on
 * device"). Transient: the same run succeeds once there is space. Whether the disk really is
 * full is checked by the runner, which then gives the attempt back (see file-runner.ts).
 */
export const storageFullFailure = (): Failure => ({
  error: {
    code: 'STORAGE_FULL',
    message:
      'The disk of the data folder filled up while the file was processed; it runs again once space is freed.',
  },
  transient: true,
});

/** A failure and whether another attempt may succeed. */
export interface Failure {
  error: FileError;
  transient: boolean;
}

const SIGXFSZ = constants.signals.SIGXFSZ;

/** What V8 or the allocator prints when memory runs out (the child then aborts). */
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Fatal process out of memory|allocation failed/i;

/**
 * A failure the child reported: a ProcessorError keeps its code, anything else is a
 * `PROCESSOR_ERROR` (or `MEMORY_LIMIT` when the allocator gave up). Never transient — the same
 * input and settings fail the same way — except a full disk (`STORAGE_FULL`).
 */
export function reportedFailure(code: string | null, message: string, ctx: SanitiseContext): Failure {
  const text = sanitiseMessage(message, ctx) || 'The processor failed without a message.';
  // Whatever code a processor wrapped it in, a full disk is not a property of the file.
  if (code === 'STORAGE_FULL' || saysNoSpace(message)) return storageFullFailure();
  if (code !== null && isErrorCode(code)) return { error: { code, message: text }, transient: false };
  if (OUT_OF_MEMORY.test(message)) {
    return {
      error: { code: 'MEMORY_LIMIT', message: 'Processing the file ran out of memory.' },
      transient: false,
    };
  }
  return { error: { code: 'PROCESSOR_ERROR', message: text }, transient: false };
}

/**
 * A child that died mid-task on its own. A V8 heap abort is the memory limit (not
 * transient); any other death (signal, exit, uncaught error) is `WORKER_CRASHED`, transient:
 * the next attempt runs in a fresh process.
 */
export function crashFailure(
  exitCode: number | null,
  signal: NodeJS.Signals | null,
  stderrTail: string,
): Failure {
  if (OUT_OF_MEMORY.test(stderrTail)) {
    return {
      error: {
        code: 'MEMORY_LIMIT',
        message: 'Processing the file used more memory than the worker may use.',
      },
      transient: false,
    };
  }
  // RLIMIT_FSIZE (the sandbox's output limit) ends a writer by SIGXFSZ; bubblewrap passes a
  // signal on as 128 + its number.
  if (signal === 'SIGXFSZ' || exitCode === 128 + SIGXFSZ) {
    return {
      error: {
        code: 'OUTPUT_TOO_LARGE',
        message: 'The processor wrote a file larger than the output limit.',
      },
      transient: false,
    };
  }
  const how = signal ? `signal ${signal}` : `exit code ${exitCode ?? 'unknown'}`;
  return {
    error: { code: 'WORKER_CRASHED', message: `The worker process died while processing the file (${how}).` },
    transient: true,
  };
}

/** The child could not start (bad flags, missing module, …): retry may help once fixed. */
export function startFailure(): Failure {
  return {
    error: {
      code: 'WORKER_CRASHED',
      message: 'The worker process could not start; the server log has the details.',
    },
    transient: true,
  };
}

export const timeoutFailure = (timeoutMs: number): Failure => ({
  error: {
    code: 'TIMEOUT',
    message: `The file took longer than the time limit of ${formatSeconds(timeoutMs)}.`,
  },
  transient: false,
});

export const memoryFailure = (memoryMb: number): Failure => ({
  error: {
    code: 'MEMORY_LIMIT',
    message: `Processing the file used more than the ${memoryMb} MB memory limit.`,
  },
  transient: false,
});

export const cancelledFailure = (): Failure => ({
  error: { code: 'CANCELLED', message: 'The file was cancelled.' },
  transient: false,
});

/** The file could not be linked into a sandboxed worker's workspace (the server log says why). */
export const handOverFailure = (): Failure => ({
  error: {
    code: 'WORKER_CRASHED',
    message: 'The file could not be handed to its sandboxed worker; the server log has the details.',
  },
  transient: true,
});

export const shutdownFailure = (): Failure => ({
  error: { code: 'WORKER_CRASHED', message: 'The worker pool shut down before the file finished.' },
  transient: true,
});

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
