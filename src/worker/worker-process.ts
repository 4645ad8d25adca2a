/**
 * One child process of the pool over its whole life: started, told one task at a time,
 * watched while it works (wall time, RSS, abort signal) and SIGKILLed the moment a limit is
 * crossed. A task that ended by a kill or a death resolves only once the process has exited,
 * so nothing can still write the output when the pool cleans up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import type { RunLimits } from '../processors/processor.js';
import { parseChildMessage, type DoneMessage, type RunMessage } from './messages.js';
import { cancelledFailure, crashFailure, memoryFailure, timeoutFailure, type Failure } from './outcomes.js';
import {
  childGroupLeaders,
  childGroupLeadersSync,
  procAvailable,
  sandboxedPid,
  strayProcesses,
  readCpuMs,
  readRssBytes,
  waitStoppedSync,
} from './proc-stats.js';
import type { RunOptions, WorkerTask } from './types.js';

/** How often RSS is read while a task runs, in milliseconds. */
const WATCH_INTERVAL_MS = 150;
/** How much of the child's stderr is kept, in characters: enough for V8's fatal error. */
const STDERR_TAIL = 8192;
/** How long an exited child's stderr may take to drain before we stop waiting, in ms. */
const DRAIN_MS = 250;

/**
 * How to start a child: `file` with `args` — Node itself with the child's entry, or the
 * sandbox's command line around it (`sandboxed`: then the process started is bubblewrap's,
 * and the Node process it runs is found in /proc once it says it is ready).
 */
export interface SpawnSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  sandboxed: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How one task ended at the process level; the pool turns it into a TaskResult. */
export type Execution =
  | { kind: 'done'; message: DoneMessage; durationMs: number }
  | { kind: 'failed'; failure: Failure; durationMs: number; cpuMs: number };

export interface ExecuteOptions extends RunOptions {
  timeoutMs: number;
  memoryBytes: number;
  memoryMb: number;
}

export class WorkerProcess {
  /** The Node process running the tasks (inside the sandbox, its pid as the host sees it). */
  pid: number | undefined;
  /** Who this process has run files for (see ProcessPool): null before its first task. */
  affinity: string | null = null;
  /** Tasks handed to this process so far. */
  tasksRun = 0;
  /** Resolves once the process has exited and its stderr has drained. */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly ready: Promise<boolean>;
  private stderrTail = '';
  private isAlive = true;
  /** Kills the running task's process for a reason; null while idle. */
  private killTask: ((failure: Failure) => void) | null = null;
  private onExit: ((exit: ExitInfo) => void) | null = null;
  /** Process groups the running task started (operator commands), checked to be this child's. */
  private readonly groups = new Set<number>();

  private readonly sandboxed: boolean;

  constructor(spec: SpawnSpec) {
    this.child = spawn(spec.file, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      // Bubblewrap leads a process group of its own, which its inner init (the PID namespace's
      // pid 1) stays in: one kill of the group reaches both, and nothing else of ours.
      detached: spec.sandboxed,
    });
    this.sandboxed = spec.sandboxed;
    this.pid = spec.sandboxed ? undefined : this.child.pid;
    this.child.stdout?.resume(); // processors should not print; drained so they never block
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    const stderrClosed = new Promise<void>((resolve) => {
      if (!this.child.stderr) return resolve();
      this.child.stderr.once('close', () => resolve());
    });
    this.exited = new Promise<ExitInfo>((resolve) => {
      const done = (info: ExitInfo): void => {
        this.isAlive = false;
        // An inner init that outlived bubblewrap (killed before it learnt of its parent's
        // death) is still in its group: it goes now. A group id is not reused while in use.
        this.killSandboxGroup();
        void Promise.race([stderrClosed, delay(DRAIN_MS)]).then(() => {
          // A descendant that outlived the child (bubblewrap's inner init, killed before it
          // learnt of its parent's death, say) would hold these pipes and the IPC channel
          // open, and with them the server's event loop: a process that never exits.
          this.child.stdout?.destroy();
          this.child.stderr?.destroy();
          if (this.child.connected) this.child.disconnect();
          resolve(info);
          this.onExit?.(info);
        });
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      // A spawn that failed outright emits 'error' and may never emit 'exit'.
      this.child.once('error', () => {
        if (this.child.pid === undefined) done({ code: null, signal: null });
      });
    });
    this.ready = new Promise<boolean>((resolve) => {
      const onMessage = (raw: unknown): void => {
        if (parseChildMessage(raw)?.type !== 'ready') return;
        this.child.off('message', onMessage);
        if (!this.sandboxed) return resolve(true);
        // Time and memory are watched on the Node process, not on bubblewrap's.
        void sandboxedPid(this.child.pid ?? 0).then((pid) => {
          this.pid = pid ?? undefined;
          resolve(pid !== null);
        });
      };
      this.child.on('message', onMessage);
      void this.exited.then(() => resolve(false));
    });
  }

  get alive(): boolean {
    return this.isAlive;
  }

  /** The last characters the child wrote to stderr, for the server log. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** True once the child listens for tasks; false when it died or took over `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ready = await Promise.race([this.ready, timedOut]);
    clearTimeout(timer);
    if (!ready) await this.kill();
    return ready;
  }

  /** SIGKILLs the process (a running task ends with `failure`); resolves once it exited. */
  kill(failure?: Failure): Promise<ExitInfo> {
    if (this.killTask && failure) this.killTask(failure);
    else if (this.isAlive) this.killAll();
    return this.exited;
  }

  /**
   * When the child says its task started a process group, takes the groups its children lead
   * as /proc shows them — never the number it sent: a compromised child could name any group
   * of ours, and inside the sandbox its numbers are of another PID namespace.
   */
  private async adoptGroups(taskOver: () => boolean): Promise<void> {
    if (this.pid === undefined) return;
    const leaders = await childGroupLeaders(this.pid);
    if (taskOver()) return;
    for (const leader of leaders) this.groups.add(leader);
  }

  /**
   * Kills what a task left running in the sandbox: every process in it but the worker and
   * those of the worker's own process group (a loader's helper, under tsx). A detached
   * process, or one whose parent died, would otherwise outlive its file.
   */
  async killStrays(): Promise<number> {
    if (!this.sandboxed || this.pid === undefined || !this.isAlive) return 0;
    // Most files leave nothing: the sandbox's own /proc, seen from here, then lists only its
    // init (1) and the worker (2) — one read instead of a walk through every thread's children.
    // Read synchronously, as proc-stats.ts reads /proc: it runs after every file.
    if (countProcesses(`/proc/${this.pid}/root/proc`) <= 2) return 0;
    const strays = await strayProcesses(this.child.pid ?? 0, this.pid);
    for (const pid of strays) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    return strays.length;
  }

  /** Resident memory of the adopted groups' leaders, in bytes (their own children not counted). */
  private groupsRss(): number {
    let sum = 0;
    for (const pgid of this.groups) sum += readRssBytes(pgid) ?? 0;
    return sum;
  }

  /**
   * SIGKILLs the child and every process group its task started. The groups the child named
   * may not be all: it may have started one and not said so yet (or be lying). So the child
   * is stopped first — stopped, it cannot start another — and its children that lead groups
   * are found in /proc and killed with it.
   */
  private killAll(): void {
    const pid = this.pid;
    if (pid !== undefined && this.isAlive && procAvailable) {
      try {
        process.kill(pid, 'SIGSTOP');
        waitStoppedSync(pid);
        for (const leader of childGroupLeadersSync(pid)) this.groups.add(leader);
      } catch {
        // ESRCH: it is gone; what it started was reported or is found no more.
      }
    }
    // In the sandbox, the Node process first: the namespace dies with it, whatever is in it.
    if (this.sandboxed && pid !== undefined && this.isAlive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ESRCH: gone.
      }
    }
    this.killChild();
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // ESRCH: the group is gone already.
      }
    }
    this.groups.clear();
  }

  /** SIGKILLs the process started — under bubblewrap, with its whole group. */
  private killChild(): void {
    if (this.sandboxed) this.killSandboxGroup();
    else this.child.kill('SIGKILL');
  }

  private killSandboxGroup(): void {
    if (!this.sandboxed || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // ESRCH: nothing of it is left.
    }
  }

  /** Lets an idle process end by closing its channel; SIGKILL if it lingers. */
  retire(graceMs = 2000): Promise<ExitInfo> {
    if (this.isAlive && this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.killChild(), graceMs);
    return this.exited.finally(() => clearTimeout(timer));
  }

  /** Runs one task in this process, enforcing time, memory and the abort signal. */
  async execute(id: number, task: WorkerTask, limits: RunLimits, opts: ExecuteOptions): Promise<Execution> {
    const pid = this.pid ?? 0;
    const cpuStart = readCpuMs(pid);
    // Cancelled before it was sent: the child never saw it and stays in service.
    if (opts.signal?.aborted) return { kind: 'failed', failure: cancelledFailure(), durationMs: 0, cpuMs: 0 };
    let cpuLast = cpuStart;
    this.tasksRun += 1;
    this.stderrTail = '';
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);

    return new Promise<Execution>((resolve) => {
      let settled = false;
      let killReason: Failure | null = null;

      const finish = (execution: Execution): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watch);
        opts.signal?.removeEventListener('abort', onAbort);
        this.child.off('message', onMessage);
        this.killTask = null;
        this.onExit = null;
        // The child ends its groups itself when a task ends; a stale id must never be killed.
        this.groups.clear();
        resolve(execution);
      };
      const killFor = (failure: Failure): void => {
        if (settled || killReason) return;
        killReason = failure;
        this.killAll();
      };
      const onAbort = (): void => killFor(cancelledFailure());
      const onMessage = (raw: unknown): void => {
        const message = parseChildMessage(raw);
        if (!message || killReason || message.type === 'ready' || message.id !== id) return;
        if (message.type === 'done') return finish({ kind: 'done', message, durationMs: elapsed() });
        if (message.type === 'group') return void this.adoptGroups(() => settled);
        try {
          opts.onProgress?.(message.pct);
        } catch {
          // A listener's failure is not the file's.
        }
      };
      const sample = (): void => {
        if (settled) return;
        const rss = readRssBytes(pid);
        const cpu = readCpuMs(pid);
        if (cpu !== null) cpuLast = cpu;
        // A command's memory counts against the file's limit, as the child's own does.
        if (rss !== null && rss + this.groupsRss() > opts.memoryBytes) killFor(memoryFailure(opts.memoryMb));
      };

      const timer = setTimeout(() => killFor(timeoutFailure(opts.timeoutMs)), opts.timeoutMs);
      const watch = setInterval(sample, WATCH_INTERVAL_MS);
      this.killTask = killFor;
      this.onExit = (exit) => {
        const failure = killReason ?? crashFailure(exit.code, exit.signal, this.stderrTail);
        const cpuMs = cpuStart !== null && cpuLast !== null ? Math.max(0, cpuLast - cpuStart) : 0;
        finish({ kind: 'failed', failure, durationMs: elapsed(), cpuMs });
      };
      this.child.on('message', onMessage);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (!this.isAlive) return void this.exited.then((exit) => this.onExit?.(exit));
      const message: RunMessage = { type: 'run', id, task, limits };
      // A send that fails means the child is dying; its exit settles the task.
      this.child.send(message, (error) => void error);
    });
  }
}

/** How many processes a `/proc` folder lists (its numeric entries); Infinity when unreadable. */
function countProcesses(proc: string): number {
  let names: string[];
  try {
    names = readdirSync(proc);
  } catch {
    return Infinity;
  }
  return names.filter((name) => /^\d+$/.test(name)).length;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
