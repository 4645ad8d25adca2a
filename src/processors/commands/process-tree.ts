/**
 * Runs one operator command as a process group of its own and makes sure the whole tree
 * dies with it: the binary is spawned without a shell, detached (a new session, so its pid
 * is its process-group id), and `kill(-pgid)` reaches everything it started — on its
 * timeout, on abort, and once it has exited (stragglers it left in the background).
 * A grandchild that starts a session of its own (a daemon) escapes a group kill; only a
 * cgroup or a pid namespace (bwrap) would hold it.
 */
import { spawn } from 'node:child_process';

/** How much of stderr is kept, in characters: the end is where tools say what went wrong. */
const STDERR_TAIL = 4096;

export interface TreeOptions {
  cwd: string;
  env: Record<string, string>;
  /** Past it the group is SIGKILLed; undefined: no limit of its own. In ms. */
  timeoutMs?: number;
  /** Aborting SIGKILLs the group. */
  signal?: AbortSignal;
  /** Called with the group id once the process runs; the returned function once the group is gone. */
  onGroup?: (pgid: number) => () => void;
}

export interface TreeExit {
  /** Exit code, or null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why filemill killed it, if it did. */
  killedFor: 'timeout' | 'abort' | 'limit' | null;
  /** The spawn's own error code (`ENOENT`, `EACCES`) when it never started. */
  startError: string | null;
  /** The last characters written to stderr. */
  stderr: string;
}

export interface RunningTree {
  pid: number | undefined;
  /** SIGKILLs the whole group (`limit`: a check of the caller's, such as the output size). */
  kill(reason: 'limit'): void;
  exited: Promise<TreeExit>;
}

/** Starts `binary` with `args` (no shell: each argument reaches it as one string, verbatim). */
export function startTree(binary: string, args: readonly string[], opts: TreeOptions): RunningTree {
  const child = spawn(binary, args, {
    cwd: opts.cwd,
    env: opts.env,
    shell: false,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pgid = child.pid;
  const release = pgid !== undefined ? opts.onGroup?.(pgid) : undefined;
  let killedFor: TreeExit['killedFor'] = null;
  let stderr = '';
  const killGroup = (): void => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // ESRCH: nothing of the group is left.
    }
  };
  const killFor = (reason: NonNullable<TreeExit['killedFor']>): void => {
    killedFor ??= reason;
    killGroup();
  };
  const onAbort = (): void => killFor('abort');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const timer =
    opts.timeoutMs === undefined ? undefined : setTimeout(() => killFor('timeout'), opts.timeoutMs);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const exited = new Promise<TreeExit>((resolve) => {
    let startError: string | null = null;
    let done = false;
    child.once('error', (error: NodeJS.ErrnoException) => {
      startError = error.code ?? error.message;
      if (pgid === undefined) finish(null, null);
    });
    // 'close', not 'exit': stderr is then fully read. A straggler holding stderr open would
    // delay it, so the group is killed as soon as the leader exits.
    child.once('exit', () => killGroup());
    child.once('close', (code, signal) => finish(code, signal));
    function finish(code: number | null, signal: NodeJS.Signals | null): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      killGroup();
      release?.();
      resolve({ code, signal, killedFor, startError, stderr });
    }
  });
  return { pid: pgid, kill: (reason) => killFor(reason), exited };
}
