/**
 * The sandboxed process pool: a fixed number of long-lived child processes (forked, not
 * threads, so a native crash never takes the server down), one file each at a time, further
 * tasks waiting in FIFO order. One slot holds at most one process, counted until it has exited:
 * never more than `size` of them. Cold (as built), children start when a file needs one and a
 * dead, killed or retired child is replaced by the next task that needs its slot. Warm
 * (`warm()`, what the server does at start), every slot starts a child at once, owned by no one
 * — a sandboxed process, start-up and Node's own loading, costs a few hundred milliseconds the
 * first files would otherwise wait for — and a child that goes is replaced right away in the
 * background; a start that fails is tried again after a growing pause, never in a hot loop.
 * Every limit is enforced from here, outside the child: see WorkerProcess.
 */
import { availableParallelism } from 'node:os';
import { retryDelayMs } from '../core/backoff.js';
import { isNoSpace } from '../core/no-space.js';
import { createLauncher, type LaunchSettings, type Profile, type Slot } from './launcher.js';
import { checkOutput, removeOutput } from './output-check.js';
import {
  cancelledFailure,
  handOverFailure,
  reportedFailure,
  shutdownFailure,
  startFailure,
  storageFullFailure,
  type Failure,
} from './outcomes.js';
import type {
  BwrapPoolOptions,
  PoolLogger,
  PoolOptions,
  RunOptions,
  SandboxInfo,
  TaskResult,
  WorkerTask,
} from './types.js';
import { WorkerProcess, type Execution } from './worker-process.js';

export type { PoolOptions, RunOptions, SandboxInfo, TaskResult, WorkerTask } from './types.js';

const MiB = 1024 * 1024;
/** How long a new child may take to start listening, in milliseconds. */
const START_TIMEOUT_MS = 30_000;
/** The pause after a warm slot's first failed start, in ms; it doubles with each failure in a row (jittered). */
const WARM_RETRY_BASE_MS = 1000;

interface Settings extends LaunchSettings {
  size: number;
  maxTasksPerWorker: number;
}

/** A task waiting for a free slot; receives the slot, or null when cancelled or closed. */
type Waiter = (slot: number | null) => void;

/** What a warm child is started as: no network, no owner until its first file (its affinity stays null). */
const FRESH: Profile = { tenant: '', network: false };

/** How the pool's children stand, for a readiness check. */
export interface PoolWarmth {
  /** Children the pool keeps (its `size`). */
  size: number;
  /** Children started and listening, busy or idle. */
  ready: number;
  /** Slots with no child listening whose last start failed (a warm pool tries again after a pause). */
  failed: number;
  /** True from `warm()` until every slot's first start has ended, either way. */
  warming: boolean;
}

export class ProcessPool {
  /** What confines the children, for the start-up log. */
  readonly sandbox: SandboxInfo;
  private readonly settings: Settings;
  private readonly launch: (slot: number, profile: Profile) => Promise<Slot>;
  private readonly bwrap: BwrapPoolOptions | null;
  private readonly logger: PoolLogger | undefined;
  /** Per slot, its child once spawned (starting or listening), until it is let go or gone. */
  private readonly workers: Array<Slot | null>;
  /** Per slot, a start under way: a fresh child (warm pools), or one for the task holding the slot. */
  private readonly starts: Array<Promise<Slot | null> | null>;
  /** Per slot, the exit of a child let go and not yet gone: the slot's next start waits for it. */
  private readonly exits: Array<Promise<unknown> | null>;
  /** Per slot, failed starts in a row (a fresh child lost before any file counts as one). */
  private readonly failures: number[];
  /** Per slot, the timer of a warm start tried again after a failure. */
  private readonly retries: Array<NodeJS.Timeout | null>;
  /** Children replaced because the next file was another tenant's (or needed the network). */
  replacements = 0;
  /** Free slots, the most recently released last. */
  private readonly idle: number[];
  private readonly waiters: Waiter[] = [];
  private nextTaskId = 1;
  private closed = false;
  /** `cold` until `warm()`; then `warming` until every slot's first start ended, then `warm`. */
  private warmthState: 'cold' | 'warming' | 'warm' = 'cold';
  private firstStarts: Promise<void> | null = null;

  /** @throws Error when a sandbox path is relative, a sandbox tool is missing, or the permission model is asked for but missing. */
  constructor(opts: PoolOptions = {}) {
    this.settings = {
      size: Math.max(1, Math.floor(opts.size ?? availableParallelism())),
      timeoutMs: opts.timeoutMs ?? 120_000,
      memoryMb: opts.memoryMb ?? 1024,
      maxTasksPerWorker: Math.max(1, opts.maxTasksPerWorker ?? 500),
      limits: opts.limits ?? { maxInputPixels: 100_000_000, maxOutputBytes: 1024 * MiB },
    };
    this.bwrap = opts.bwrap ?? null;
    const launcher = createLauncher(opts, this.settings);
    this.launch = launcher.launch;
    this.sandbox = launcher.sandbox;
    this.logger = opts.logger;
    this.workers = Array.from({ length: this.settings.size }, () => null);
    this.starts = this.workers.map(() => null);
    this.exits = this.workers.map(() => null);
    this.failures = this.workers.map(() => 0);
    this.retries = this.workers.map(() => null);
    this.idle = this.workers.map((_, i) => i).reverse();
  }

  /**
   * Makes the pool warm: every free slot without a child starts one now, owned by no one (the
   * first file of any owner may take it), and from then on a child that goes — crashed, killed
   * at a limit, retired after its share of files or for another owner — is replaced at once in
   * the background. Resolves once every slot's first start has ended, either way (see
   * `warmth()`); never rejects. Calling it again returns the same wait.
   */
  warm(): Promise<void> {
    if (this.firstStarts) return this.firstStarts;
    if (this.closed) return Promise.resolve();
    this.warmthState = 'warming';
    const first = this.workers.map((_, slot) => this.refill(slot));
    this.firstStarts = Promise.all(first).then(() => {
      this.warmthState = 'warm';
    });
    return this.firstStarts;
  }

  /** How many children listen, for a readiness check. */
  warmth(): PoolWarmth {
    let ready = 0;
    let failed = 0;
    for (let slot = 0; slot < this.settings.size; slot++) {
      if (this.starts[slot] === null && this.workers[slot]?.worker.alive) ready += 1;
      else if ((this.failures[slot] ?? 0) > 0) failed += 1;
    }
    return { size: this.settings.size, ready, failed, warming: this.warmthState === 'warming' };
  }

  /**
   * Runs one file in a sandboxed child and resolves with how it ended; never rejects. On any
   * failure the output file is removed. After `close()` it resolves with a transient
   * `WORKER_CRASHED` ("the pool shut down").
   */
  async run(task: WorkerTask, opts: RunOptions = {}): Promise<TaskResult> {
    if (this.closed) return failed(shutdownFailure());
    if (opts.signal?.aborted) return failed(cancelledFailure());
    const profile: Profile = {
      tenant: opts.tenant ?? '',
      network: this.bwrap?.networkProcessors?.includes(task.processor) ?? false,
    };
    const slot = await this.acquire(opts.signal, profile);
    if (slot === null) return failed(this.closed ? shutdownFailure() : cancelledFailure());
    try {
      return await this.runInSlot(slot, task, profile, opts);
    } finally {
      this.release(slot);
    }
  }

  /** Kills every child, idle, busy or starting, fails queued tasks, and resolves once every child has exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer ?? undefined);
    this.retries.fill(null);
    for (const waiter of this.waiters.splice(0)) waiter(null);
    const exits = this.workers.map((slot) => slot?.worker.kill(shutdownFailure()));
    // A start under way kills its child itself once it sees the pool closed.
    await Promise.all([...exits, ...this.exits, ...this.starts]);
  }

  private async runInSlot(
    slot: number,
    task: WorkerTask,
    profile: Profile,
    opts: RunOptions,
  ): Promise<TaskResult> {
    const live = await this.workerFor(slot, profile);
    if (!live) {
      await removeOutput(task.input.outputPath);
      return failed(this.closed ? shutdownFailure() : startFailure());
    }
    const { worker, workspace } = live;
    let inside = task;
    if (workspace) {
      try {
        inside = await workspace.enter(task);
      } catch (error) {
        await workspace.clear().catch(() => undefined);
        this.logger?.warn({ err: error }, 'a file could not be handed to its sandboxed worker');
        return failed(isNoSpace(error) ? storageFullFailure() : handOverFailure());
      }
    }
    const execution = await worker.execute(this.nextTaskId++, inside, this.settings.limits, {
      ...opts,
      timeoutMs: this.settings.timeoutMs,
      memoryMb: this.settings.memoryMb,
      memoryBytes: this.settings.memoryMb * MiB,
    });
    let collected: { failed: true; error: unknown } | null = null;
    let outputBytes: number | null = null;
    if (workspace) {
      if (execution.kind === 'done' && execution.message.ok) {
        outputBytes = await workspace.collect(task).catch((error: unknown) => {
          collected = { failed: true, error };
          return null;
        });
      }
      await worker.killStrays();
      await workspace.clear().catch(() => undefined);
    }
    this.afterTask(slot, worker, execution);
    if (collected !== null) {
      // The output could not be moved out of the workspace (a copy across filesystems that met
      // a full disk, say): not the file's fault, and not a processor error either.
      const { error } = collected;
      await removeOutput(task.input.outputPath);
      this.logger?.warn(
        { err: error },
        "a sandboxed worker's output could not be taken out of its workspace",
      );
      return failed(isNoSpace(error) ? storageFullFailure() : handOverFailure(), execution.durationMs);
    }
    return this.settle(execution, task, inside, outputBytes);
  }

  /**
   * The slot's child for `profile`, or a new one once it listens; null when it could not
   * start. A fresh child (warm, no file run yet) is taken by any owner's file without the
   * network, and is that owner's from then on. A child started for another profile — another
   * tenant's files, or the other network — is killed and replaced first: a process that a file
   * may have compromised never sees the next tenant's files.
   */
  private async workerFor(slot: number, profile: Profile): Promise<Slot | null> {
    // A warm start under way in this slot: the task takes what it gives.
    await this.starts[slot];
    const current = this.workers[slot];
    const key = profileKey(profile);
    if (current?.worker.alive && fits(current.worker, profile)) {
      current.worker.affinity = key;
      return current;
    }
    if (current?.worker.alive) {
      this.replacements += 1;
      this.dismiss(slot, 'kill');
      this.keepFreshSpare(key);
    }
    return this.start(slot, profile);
  }

  /**
   * Starts a child in `slot`, once the slot's previous one has exited, for `profile` (null: a
   * fresh one); resolves with it once it listens, or null. A failure is counted, and in a warm
   * pool the slot tries again after a pause.
   */
  private start(slot: number, profile: Profile | null): Promise<Slot | null> {
    const started: Promise<Slot | null> = this.spawn(slot, profile).then((live) => {
      if (this.starts[slot] === started) this.starts[slot] = null;
      if (live === null && !this.closed) this.failed(slot);
      return live;
    });
    this.starts[slot] = started;
    return started;
  }

  private async spawn(slot: number, profile: Profile | null): Promise<Slot | null> {
    await this.exits[slot];
    if (this.closed) return null;
    let started: Slot;
    try {
      started = await this.launch(slot, profile ?? FRESH);
    } catch (error) {
      this.logger?.warn({ err: error }, 'worker process could not start');
      return null;
    }
    const { worker } = started;
    worker.affinity = profile && profileKey(profile);
    this.workers[slot] = started;
    void worker.exited.then(() => this.lost(slot, started));
    // close() may have come while it was being spawned: it killed the children it saw, not this one.
    if (this.closed) await worker.kill(shutdownFailure());
    if (await worker.waitReady(START_TIMEOUT_MS)) {
      this.failures[slot] = 0;
      return started;
    }
    if (this.workers[slot] === started) this.workers[slot] = null;
    if (!this.closed) {
      this.logger?.warn({ pid: worker.pid, stderr: worker.stderr }, 'worker process could not start');
    }
    return null;
  }

  /**
   * In a warm pool, starts a fresh child in a free slot that has none (nor one starting, nor a
   * retry set); the start under way, if any. A slot a task holds is left to that task.
   */
  private refill(slot: number): Promise<Slot | null> | null {
    const under = this.starts[slot] ?? null;
    if (this.warmthState === 'cold' || this.closed || !this.idle.includes(slot)) return under;
    if (under !== null || this.retries[slot] !== null || this.workers[slot]?.worker.alive) return under;
    return this.start(slot, null);
  }

  /** Counts a failed start; a warm slot tries again after a pause that grows with each failure in a row. */
  private failed(slot: number): void {
    this.failures[slot] = (this.failures[slot] ?? 0) + 1;
    if (this.warmthState === 'cold' || this.closed || this.retries[slot] !== null) return;
    const timer = setTimeout(
      () => {
        this.retries[slot] = null;
        void this.refill(slot);
      },
      retryDelayMs(this.failures[slot], WARM_RETRY_BASE_MS),
    );
    timer.unref();
    this.retries[slot] = timer;
  }

  /**
   * A child that exited by itself. Held by a task, the task's end deals with it; idle, it is
   * replaced — at once if it had run files, else after a pause, as a failed start: a child
   * that dies as soon as it is up must not be restarted in a loop.
   */
  private lost(slot: number, gone: Slot): void {
    if (this.workers[slot] !== gone) return;
    this.workers[slot] = null;
    if (this.closed || this.starts[slot] !== null || !this.idle.includes(slot)) return;
    if (gone.worker.tasksRun === 0) this.failed(slot);
    else void this.refill(slot);
  }

  /** Lets the slot's child go — `retire` an idle one (it closes its channel), or `kill` it — and keeps its exit for the slot's next start. */
  private dismiss(slot: number, how: 'retire' | 'kill'): void {
    const current = this.workers[slot];
    if (!current) return;
    this.workers[slot] = null;
    const exit = how === 'retire' ? current.worker.retire() : current.worker.kill();
    const tracked = exit.finally(() => {
      if (this.exits[slot] === tracked) this.exits[slot] = null;
    });
    this.exits[slot] = tracked;
  }

  /**
   * After an owner change, keeps one fresh child ahead of the new owner's next file: when no
   * free slot has a fresh child, listening or starting, the least recently used idle child of
   * another owner is retired, and a fresh one started in its place in the background.
   */
  private keepFreshSpare(key: string): void {
    if (this.warmthState === 'cold' || this.closed) return;
    const fresh = this.idle.some((slot) => {
      const worker = this.workers[slot]?.worker;
      return this.starts[slot] !== null || (worker?.alive === true && worker.affinity === null);
    });
    if (fresh) return;
    const stale = this.idle.find((slot) => {
      const worker = this.workers[slot]?.worker;
      return worker?.alive === true && worker.affinity !== null && worker.affinity !== key;
    });
    if (stale === undefined) return;
    this.replacements += 1;
    this.dismiss(stale, 'retire');
    void this.refill(stale);
  }

  /**
   * Forgets a dead child and retires one that has done its share; either is replaced when the
   * slot is released (warm) or by the next task that takes the slot (cold).
   */
  private afterTask(slot: number, worker: WorkerProcess, execution: Execution): void {
    if (!worker.alive) {
      if (this.workers[slot]?.worker === worker) this.workers[slot] = null;
      if (execution.kind === 'failed' && execution.failure.error.code === 'WORKER_CRASHED' && !this.closed) {
        this.logger?.warn({ pid: worker.pid, stderr: worker.stderr }, 'worker process died during a task');
      }
      return;
    }
    if (worker.tasksRun >= this.settings.maxTasksPerWorker) this.dismiss(slot, 'retire');
  }

  /**
   * Turns an execution into the task's result, checking the output the child claims to have
   * written; `outputBytes` is its size when the workspace has just read it in taking it.
   */
  private async settle(
    execution: Execution,
    task: WorkerTask,
    inside: WorkerTask,
    outputBytes: number | null,
  ): Promise<TaskResult> {
    const { outputPath } = task.input;
    if (execution.kind === 'failed') {
      await removeOutput(outputPath);
      return failed(execution.failure, execution.durationMs, execution.cpuMs);
    }
    const { message, durationMs } = execution;
    if (!message.ok) {
      await removeOutput(outputPath);
      // Messages quote the paths the child saw: inside the sandbox, the workspace's.
      return failed(reportedFailure(message.code, message.message, inside.input), durationMs, message.cpuMs);
    }
    const output = await checkOutput(outputPath, this.settings.limits.maxOutputBytes, outputBytes);
    if (!output.ok) return failed(output.failure, durationMs, message.cpuMs);
    return {
      ok: true,
      outputType: message.outputType,
      outputBytes: output.bytes,
      details: message.details,
      durationMs,
      cpuMs: Math.round(message.cpuMs),
    };
  }

  private acquire(signal: AbortSignal | undefined, profile: Profile): Promise<number | null> {
    const free = this.pickIdle(profile);
    if (free !== undefined) return Promise.resolve(free);
    return new Promise((resolve) => {
      const waiter: Waiter = (slot) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(slot);
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        waiter(null);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** A free slot for `profile`: the best ranked (see `rank`), the most recently released of equals. */
  private pickIdle(profile: Profile): number | undefined {
    let pick = -1;
    let best = Infinity;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const rank = this.rank(this.idle[i]!, profile);
      if (rank < best) [pick, best] = [i, rank];
    }
    return pick < 0 ? undefined : this.idle.splice(pick, 1)[0];
  }

  /**
   * How well a free slot serves `profile`, best first: its child started for it (no start, no
   * replacement); a fresh child; a fresh child starting; no child; another profile's child (a
   * replacement), or, for the network, a fresh child starting (a wait, then a replacement).
   */
  private rank(slot: number, profile: Profile): number {
    const worker = this.workers[slot]?.worker;
    if (this.starts[slot] !== null) return profile.network ? 5 : 2;
    if (!worker?.alive) return 3;
    if (worker.affinity === profileKey(profile)) return 0;
    return fits(worker, profile) ? 1 : 4;
  }

  private release(slot: number): void {
    if (this.closed) return;
    const next = this.waiters.shift();
    if (next) return next(slot);
    this.idle.push(slot);
    void this.refill(slot);
  }
}

function profileKey(profile: Profile): string {
  return `${profile.network ? 'net' : 'no-net'}:${profile.tenant}`;
}

/** Whether `worker` may run a file of `profile`: started for it, or fresh and the file needs no network. */
function fits(worker: WorkerProcess, profile: Profile): boolean {
  return worker.affinity === profileKey(profile) || (worker.affinity === null && !profile.network);
}

function failed(failure: Failure, durationMs = 0, cpuMs = 0): TaskResult {
  return { ok: false, ...failure, durationMs, cpuMs: Math.round(cpuMs) };
}
