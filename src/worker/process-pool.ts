/**
 * The sandboxed process pool: a fixed number of long-lived child processes (forked, not
 * threads, so a native crash never takes the server down), one file each at a time, further
 * tasks waiting in FIFO order. Children start lazily — an idle server holds no processes, a
 * crash loop cannot spin without work, and a fork costs tens of milliseconds next to a file's
 * processing — and a dead, killed or retired child is replaced by the next task that needs
 * its slot. Every limit is enforced from here, outside the child: see WorkerProcess.
 */
import { availableParallelism } from 'node:os';
import type { RunLimits } from '../processors/processor.js';
import { buildEnv, buildExecArgv, childEntry, findCodeRoot, permissionFlag } from './exec-args.js';
import { checkOutput, removeOutput } from './output-check.js';
import {
  cancelledFailure,
  reportedFailure,
  shutdownFailure,
  startFailure,
  type Failure,
} from './outcomes.js';
import { describeSandbox } from './sandbox-info.js';
import type { PoolLogger, PoolOptions, RunOptions, SandboxInfo, TaskResult, WorkerTask } from './types.js';
import { WorkerProcess, type Execution, type SpawnSpec } from './worker-process.js';

export type { PoolOptions, RunOptions, SandboxInfo, TaskResult, WorkerTask } from './types.js';

const MiB = 1024 * 1024;
/** How long a new child may take to start listening, in milliseconds. */
const START_TIMEOUT_MS = 30_000;

interface Settings {
  size: number;
  timeoutMs: number;
  memoryMb: number;
  maxTasksPerWorker: number;
  limits: RunLimits;
}

/** A task waiting for a free slot; receives the slot, or null when cancelled or closed. */
type Waiter = (slot: number | null) => void;

export class ProcessPool {
  /** What confines the children, for the start-up log. */
  readonly sandbox: SandboxInfo;
  private readonly settings: Settings;
  private readonly spawnSpec: SpawnSpec;
  private readonly logger: PoolLogger | undefined;
  private readonly workers: Array<WorkerProcess | null>;
  private readonly idle: number[];
  private readonly waiters: Waiter[] = [];
  private readonly retiring = new Set<Promise<unknown>>();
  private nextTaskId = 1;
  private closed = false;

  /** @throws Error when a sandbox path is relative, or the permission model is asked for but missing. */
  constructor(opts: PoolOptions = {}) {
    this.settings = {
      size: Math.max(1, Math.floor(opts.size ?? availableParallelism())),
      timeoutMs: opts.timeoutMs ?? 120_000,
      memoryMb: opts.memoryMb ?? 1024,
      maxTasksPerWorker: Math.max(1, opts.maxTasksPerWorker ?? 500),
      limits: opts.limits ?? { maxInputPixels: 100_000_000, maxOutputBytes: 1024 * MiB },
    };
    const permissionModel = opts.permissionModel ?? true;
    const entry = childEntry();
    const codeRoot = findCodeRoot();
    const flag = permissionFlag();
    const allowRead = opts.allowRead ?? [];
    const allowWrite = opts.allowWrite ?? [];
    const execArgv = buildExecArgv({
      memoryMb: this.settings.memoryMb,
      permissionModel,
      allowRead,
      allowWrite,
      codeRoot,
      tsxLoader: entry.typescript ? import.meta.resolve('tsx') : null,
      permissionFlag: flag,
      allowChildProcess: opts.allowChildProcess ?? false,
    });
    const env = buildEnv(process.env, opts.env ?? {}, { permissionModel, typescript: entry.typescript });
    this.spawnSpec = { entry: entry.path, execArgv, env, cwd: codeRoot };
    this.sandbox = describeSandbox({
      permissionModel,
      permissionFlag: flag,
      readFolders: new Set([codeRoot, ...allowRead]).size,
      writeFolders: new Set(allowWrite).size,
      typescript: entry.typescript,
      commands: opts.allowChildProcess ?? false,
      timeoutMs: this.settings.timeoutMs,
      memoryMb: this.settings.memoryMb,
    });
    this.logger = opts.logger;
    this.workers = Array.from({ length: this.settings.size }, () => null);
    this.idle = this.workers.map((_, i) => i).reverse();
  }

  /**
   * Runs one file in a sandboxed child and resolves with how it ended; never rejects. On any
   * failure the output file is removed. After `close()` it resolves with a transient
   * `WORKER_CRASHED` ("the pool shut down").
   */
  async run(task: WorkerTask, opts: RunOptions = {}): Promise<TaskResult> {
    if (this.closed) return failed(shutdownFailure());
    if (opts.signal?.aborted) return failed(cancelledFailure());
    const slot = await this.acquire(opts.signal);
    if (slot === null) return failed(this.closed ? shutdownFailure() : cancelledFailure());
    try {
      return await this.runInSlot(slot, task, opts);
    } finally {
      this.release(slot);
    }
  }

  /** Kills every child, fails queued tasks, and resolves once every child has exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(null);
    const exits = this.workers.map((worker) => worker?.kill(shutdownFailure()));
    await Promise.all([...exits, ...this.retiring]);
  }

  private async runInSlot(slot: number, task: WorkerTask, opts: RunOptions): Promise<TaskResult> {
    const worker = await this.workerFor(slot);
    if (!worker) {
      await removeOutput(task.input.outputPath);
      return failed(this.closed ? shutdownFailure() : startFailure());
    }
    const execution = await worker.execute(this.nextTaskId++, task, this.settings.limits, {
      ...opts,
      timeoutMs: this.settings.timeoutMs,
      memoryMb: this.settings.memoryMb,
      memoryBytes: this.settings.memoryMb * MiB,
    });
    this.afterTask(slot, worker, execution);
    return this.settle(execution, task);
  }

  /** The slot's live child, or a new one once it listens; null when it could not start. */
  private async workerFor(slot: number): Promise<WorkerProcess | null> {
    const current = this.workers[slot];
    if (current?.alive) return current;
    const worker = new WorkerProcess(this.spawnSpec);
    this.workers[slot] = worker;
    if (await worker.waitReady(START_TIMEOUT_MS)) return worker;
    this.workers[slot] = null;
    if (!this.closed) {
      this.logger?.warn({ pid: worker.pid, stderr: worker.stderr }, 'worker process could not start');
    }
    return null;
  }

  /** Forgets a dead child (the next task replaces it) and retires one that has done its share. */
  private afterTask(slot: number, worker: WorkerProcess, execution: Execution): void {
    if (!worker.alive) {
      this.workers[slot] = null;
      if (execution.kind === 'failed' && execution.failure.error.code === 'WORKER_CRASHED' && !this.closed) {
        this.logger?.warn({ pid: worker.pid, stderr: worker.stderr }, 'worker process died during a task');
      }
      return;
    }
    if (worker.tasksRun >= this.settings.maxTasksPerWorker) {
      this.workers[slot] = null;
      const exit = worker.retire();
      this.retiring.add(exit);
      void exit.finally(() => this.retiring.delete(exit));
    }
  }

  /** Turns an execution into the task's result, checking the output the child claims to have written. */
  private async settle(execution: Execution, task: WorkerTask): Promise<TaskResult> {
    const { outputPath } = task.input;
    if (execution.kind === 'failed') {
      await removeOutput(outputPath);
      return failed(execution.failure, execution.durationMs, execution.cpuMs);
    }
    const { message, durationMs } = execution;
    if (!message.ok) {
      await removeOutput(outputPath);
      return failed(reportedFailure(message.code, message.message, task.input), durationMs, message.cpuMs);
    }
    const output = await checkOutput(outputPath, this.settings.limits.maxOutputBytes);
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

  private acquire(signal: AbortSignal | undefined): Promise<number | null> {
    // Last released first: it is most likely to hold a warm child already.
    const free = this.idle.pop();
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

  private release(slot: number): void {
    if (this.closed) return;
    const next = this.waiters.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }
}

function failed(failure: Failure, durationMs = 0, cpuMs = 0): TaskResult {
  return { ok: false, ...failure, durationMs, cpuMs: Math.round(cpuMs) };
}
