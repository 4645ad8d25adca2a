/**
 * The public shapes of the sandboxed process pool: its options (with units and defaults),
 * a task, and how a task ended. Kept apart from the pool class so the service and tests can
 * import the types without the implementation.
 */
import type { FileError } from '../core/errors.js';
import type { RunInput, RunLimits } from '../processors/processor.js';

/** Options of a {@link ProcessPool}. Every path must be absolute. */
export interface PoolOptions {
  /**
   * Long-lived child processes, each running one file at a time; tasks beyond this wait in
   * FIFO order.
   * @defaultValue `os.availableParallelism()`
   */
  size?: number;
  /**
   * Wall time allowed per file, in milliseconds, from the moment the task reaches its child.
   * Past it the child is SIGKILLed and the file fails with `TIMEOUT`.
   * @defaultValue 120000
   */
  timeoutMs?: number;
  /**
   * Resident memory (RSS) allowed per child, in MiB, watched from the parent through
   * `/proc/<pid>/status` every ~150 ms (Linux only). The V8 heap is capped at 75 % of it.
   * Over it the child is SIGKILLed and the file fails with `MEMORY_LIMIT`.
   * @defaultValue 1024
   */
  memoryMb?: number;
  /**
   * Files a child runs before it is retired and replaced, so leaks in native code or a
   * parser's state never build up.
   * @defaultValue 500
   */
  maxTasksPerWorker?: number;
  /**
   * Limits handed to every processor run; `maxOutputBytes` is also checked by the parent.
   * @defaultValue `{ maxInputPixels: 100_000_000, maxOutputBytes: 1 GiB }`
   */
  limits?: RunLimits;
  /**
   * Folders the child may read under the permission model; must hold the inputs. The code
   * folder (the project root, node_modules included) is always added.
   * @defaultValue `[]`
   */
  allowRead?: string[];
  /**
   * Folders the child may write under the permission model; must hold the outputs.
   * @defaultValue `[]`
   */
  allowWrite?: string[];
  /**
   * Run children under Node's permission model (`--permission`, or
   * `--experimental-permission` on Node 20): no file access outside `allowRead`/`allowWrite`,
   * native addons allowed (sharp), native code itself not confined.
   * @defaultValue true
   */
  permissionModel?: boolean;
  /**
   * Let children start processes (Node's `--allow-child-process`), for operator commands:
   * each runs as a process group the child starts, killed with the child. The commands
   * themselves are native programs, not confined by the permission model.
   * @defaultValue false
   */
  allowChildProcess?: boolean;
  /**
   * Extra environment variables for the children. The parent's environment is not inherited
   * (it may hold database URLs and keys); only `NODE_ENV`, `TZ`, `LANG`, `LC_ALL` and
   * `FILEMILL_TEST_PROCESSORS` are passed on.
   * @defaultValue `{}`
   */
  env?: Record<string, string>;
  /**
   * Run every child under bubblewrap (see `bwrap.ts` and README "Sandbox"): its own empty
   * network, PID, IPC and UTS namespaces, the code read-only, and of the data folder only a
   * workspace with the file at hand. Null or absent: no OS-level sandbox. Check it works on
   * this machine first (`probeBwrap`).
   * @defaultValue null
   */
  bwrap?: BwrapPoolOptions | null;
  /** Where the pool reports child deaths and start-up failures (pino-compatible). */
  logger?: PoolLogger;
}

export interface BwrapPoolOptions {
  /**
   * Folder of the workers' workspaces; must be on the filesystem of the blobs, so the file
   * at hand is linked in, not copied.
   */
  workspaceRoot: string;
  /** Further host paths bound read-only at the same place (an operator command's files). */
  readOnly?: string[];
  /** Processors whose children keep the host's network (operator commands that ask for it). */
  networkProcessors?: string[];
  /**
   * When the server runs as root, children run as uid (and gid) `uidBase + slot`, which no
   * other process should use.
   * @defaultValue 1500000000
   */
  uidBase?: number;
}

/** The subset of a pino logger the pool uses. */
export interface PoolLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/**
 * One file for one processor — or, with `entry: 'aggregate'`, one batch's combined analysis:
 * then `input.inputPath` is the manifest (see `aggregate-entry.ts`) and the JSON result is
 * written to `input.outputPath`.
 */
export interface WorkerTask {
  processor: string;
  /** Which export of the processor's run module runs: `run` (the default) or `aggregate`. */
  entry?: 'run' | 'aggregate';
  input: RunInput;
  settings: Record<string, unknown>;
}

/** Options of one {@link ProcessPool.run} call. */
export interface RunOptions {
  /** Aborting kills the child at once; the task ends with `CANCELLED`. */
  signal?: AbortSignal;
  /** Progress 0–100, at most about every 100 ms plus the final value. */
  onProgress?: (pct: number) => void;
  /**
   * Whom the file belongs to (its batch's owner; '' for the anonymous one). A child that ran
   * one tenant's files is replaced before it runs another's.
   * @defaultValue ''
   */
  tenant?: string;
}

/**
 * How a task ended. Durations in milliseconds: `durationMs` is wall time in the child,
 * `cpuMs` user + system CPU of the child (libvips threads included).
 */
export type TaskResult =
  | {
      ok: true;
      outputType: string;
      /** Size of the output file, in bytes. */
      outputBytes: number;
      details: Record<string, unknown> | null;
      durationMs: number;
      cpuMs: number;
    }
  | {
      ok: false;
      /** Its message never names a server path. */
      error: FileError;
      /** True when another attempt may succeed (the child crashed), false when it will not. */
      transient: boolean;
      durationMs: number;
      cpuMs: number;
    };

export { SANDBOX_LEVELS, type SandboxLevel } from '../core/model.js';
import type { SandboxLevel } from '../core/model.js';

/** What the sandbox of the pool's children is, for the start-up log. */
export interface SandboxInfo {
  /** The strongest confinement the children run under. */
  level: SandboxLevel;
  /** Whether the children run under Node's permission model. */
  permissionModel: boolean;
  /** One line, e.g. for `sandbox: …` in the server log. */
  summary: string;
}
