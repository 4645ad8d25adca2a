/**
 * The sandboxed process pool: a fixed number of long-lived child processes (forked, not
 * threads, so a native crash never takes the server down), one file each at a time, further
 * tasks waiting in FIFO order. Children start lazily — an idle server holds no processes, a
 * crash loop cannot spin without work, and a fork costs tens of milliseconds next to a file's
 * processing — and a dead, killed or retired child is replaced by the next task that needs
 * its slot. Every limit is enforced from here, outside the child: see WorkerProcess.
 */
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { isNoSpace } from '../core/no-space.js';
import type { RunLimits } from '../processors/processor.js';
import {
  DEFAULT_UID_BASE,
  slotIdentity,
  JOB_IN,
  JOB_OUT,
  findTools,
  readOnlyPaths,
  sandboxCommand,
} from './bwrap.js';
import { buildEnv, buildExecArgv, childEntry, findCodeRoot, permissionFlag } from './exec-args.js';
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
import { describeSandbox } from './sandbox-info.js';
import type {
  BwrapPoolOptions,
  PoolLogger,
  PoolOptions,
  RunOptions,
  SandboxInfo,
  TaskResult,
  WorkerTask,
} from './types.js';
import { WorkerProcess, type Execution, type SpawnSpec } from './worker-process.js';
import { processWorkspaceRoot, sweepDeadWorkspaces, Workspace } from './workspace.js';

export type { PoolOptions, RunOptions, SandboxInfo, TaskResult, WorkerTask } from './types.js';

const MiB = 1024 * 1024;
/** How long a new child may take to start listening, in milliseconds. */
const START_TIMEOUT_MS = 30_000;
/** Open files a sandboxed child may hold (RLIMIT_NOFILE). */
const SANDBOX_OPEN_FILES = 1024;
/** Processes and threads a sandboxed child's uid may have (RLIMIT_NPROC): Node's and libvips' threads, a command's. */
const SANDBOX_PROCESSES = 512;

interface Settings {
  size: number;
  timeoutMs: number;
  memoryMb: number;
  maxTasksPerWorker: number;
  limits: RunLimits;
}

/** A task waiting for a free slot; receives the slot, or null when cancelled or closed. */
type Waiter = (slot: number | null) => void;

/** What a child is started for: whose files it may run, and whether it has the network. */
interface Profile {
  tenant: string;
  network: boolean;
}

/** A live child and, in the sandbox, its workspace. */
interface Slot {
  worker: WorkerProcess;
  workspace: Workspace | null;
}

export class ProcessPool {
  /** What confines the children, for the start-up log. */
  readonly sandbox: SandboxInfo;
  private readonly settings: Settings;
  private readonly launch: (slot: number, profile: Profile) => Promise<Slot>;
  private readonly bwrap: BwrapPoolOptions | null;
  private readonly logger: PoolLogger | undefined;
  private readonly workers: Array<Slot | null>;
  /** Children replaced because the next file was another tenant's (or needed the network). */
  replacements = 0;
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
    this.bwrap = opts.bwrap ?? null;
    // Tests only: a folder the test processors keep state in across runs (see registry.ts).
    const testState = process.env.FILEMILL_TEST_STATE_DIR ?? '';
    const stateDirs = testState === '' ? [] : [testState];
    const allowRead = [...(this.bwrap ? [JOB_IN, JOB_OUT] : (opts.allowRead ?? [])), ...stateDirs];
    const allowWrite = [...(this.bwrap ? [JOB_OUT] : (opts.allowWrite ?? [])), ...stateDirs];
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
    const nodeArgs = [...execArgv, entry.path];
    const plain: SpawnSpec = { file: process.execPath, args: nodeArgs, env, cwd: codeRoot, sandboxed: false };
    const bwrap = this.bwrap;
    if (!bwrap) {
      this.launch = async () => ({ worker: new WorkerProcess(plain), workspace: null });
    } else {
      const root = processWorkspaceRoot(bwrap.workspaceRoot);
      void sweepDeadWorkspaces(bwrap.workspaceRoot);
      const testProcessors = process.env.FILEMILL_TEST_PROCESSORS;
      const readOnly = readOnlyPaths(codeRoot, entry.typescript, [
        ...(testProcessors ? [dirname(testProcessors)] : []),
        ...(bwrap.readOnly ?? []),
      ]);
      const uidBase = bwrap.uidBase ?? DEFAULT_UID_BASE;
      const tools = findTools();
      if (typeof tools === 'string') throw new Error(`The sandbox needs ${tools}, which is not on the PATH.`);
      this.launch = async (slot, profile) => {
        // A uid per slot when the server can give one: the process limit then counts this child alone.
        const identity = slotIdentity(slot, uidBase);
        const workspace = await Workspace.create(root, identity);
        const command = sandboxCommand(
          tools,
          {
            readOnly,
            readWrite: stateDirs,
            inDir: workspace.inDir,
            outDir: workspace.outDir,
            cwd: codeRoot,
            network: profile.network,
          },
          {
            fileSizeBytes: this.settings.limits.maxOutputBytes,
            openFiles: SANDBOX_OPEN_FILES,
            processes: identity ? SANDBOX_PROCESSES : null,
          },
          identity,
          process.execPath,
          nodeArgs,
        );
        // No /etc/passwd inside: libraries that ask for the home folder (os.homedir()) get /tmp.
        const worker = new WorkerProcess({
          ...command,
          env: { ...env, HOME: '/tmp' },
          cwd: '/',
          sandboxed: true,
        });
        void worker.exited.then(() => workspace.remove());
        return { worker, workspace };
      };
    }
    this.sandbox = describeSandbox({
      level: this.bwrap ? 'bwrap' : permissionModel ? 'permission' : 'none',
      permissionModel,
      permissionFlag: flag,
      readFolders: new Set([codeRoot, ...allowRead]).size,
      writeFolders: new Set(allowWrite).size,
      typescript: entry.typescript,
      commands: opts.allowChildProcess ?? false,
      timeoutMs: this.settings.timeoutMs,
      memoryMb: this.settings.memoryMb,
      rootDrop: this.bwrap !== null && slotIdentity(0) !== null,
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

  /** Kills every child, fails queued tasks, and resolves once every child has exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(null);
    const exits = this.workers.map((slot) => slot?.worker.kill(shutdownFailure()));
    await Promise.all([...exits, ...this.retiring]);
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
    if (workspace) {
      if (execution.kind === 'done' && execution.message.ok)
        await workspace.collect(task).catch((error: unknown) => void (collected = { failed: true, error }));
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
    return this.settle(execution, task, inside);
  }

  /**
   * The slot's live child, or a new one once it listens; null when it could not start. A
   * child started for another profile — another tenant's files, or the other network — is
   * killed and replaced first: a process that a file may have compromised never sees the
   * next tenant's files.
   */
  private async workerFor(slot: number, profile: Profile): Promise<Slot | null> {
    const current = this.workers[slot];
    if (current?.worker.alive && sameProfile(current.worker, profile)) return current;
    if (current?.worker.alive) {
      this.replacements += 1;
      await current.worker.kill();
    }
    this.workers[slot] = null;
    let started: Slot;
    try {
      started = await this.launch(slot, profile);
    } catch (error) {
      this.logger?.warn({ err: error }, 'worker process could not start');
      return null;
    }
    const { worker } = started;
    worker.affinity = profileKey(profile);
    this.workers[slot] = started;
    if (await worker.waitReady(START_TIMEOUT_MS)) return started;
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
  private async settle(execution: Execution, task: WorkerTask, inside: WorkerTask): Promise<TaskResult> {
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

  /**
   * A free slot for `profile`: the most recently released one whose child was started for it
   * (warm, and no replacement), else one with no live child, else the most recent one.
   */
  private pickIdle(profile: Profile): number | undefined {
    const key = profileKey(profile);
    let pick = -1;
    for (let i = this.idle.length - 1; i >= 0 && pick < 0; i--) {
      if (this.workers[this.idle[i]!]?.worker.affinity === key) pick = i;
    }
    for (let i = this.idle.length - 1; i >= 0 && pick < 0; i--) {
      if (!this.workers[this.idle[i]!]?.worker.alive) pick = i;
    }
    if (pick < 0) return this.idle.pop();
    return this.idle.splice(pick, 1)[0];
  }

  private release(slot: number): void {
    if (this.closed) return;
    const next = this.waiters.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }
}

function profileKey(profile: Profile): string {
  return `${profile.network ? 'net' : 'no-net'}:${profile.tenant}`;
}

function sameProfile(worker: WorkerProcess, profile: Profile): boolean {
  return worker.affinity === profileKey(profile);
}

function failed(failure: Failure, durationMs = 0, cpuMs = 0): TaskResult {
  return { ok: false, ...failure, durationMs, cpuMs: Math.round(cpuMs) };
}
