/**
 * How the pool starts a child: the Node command line (permission model, memory limit, entry),
 * inside bubblewrap with a workspace of its own when the sandbox is on, and a description of
 * what confines it for the start-up log. Built once per pool; `launch` is called per start.
 */
import { dirname } from 'node:path';
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
import { describeSandbox } from './sandbox-info.js';
import type { PoolOptions, SandboxInfo } from './types.js';
import { WorkerProcess, type SpawnSpec } from './worker-process.js';
import { processWorkspaceRoot, sweepDeadWorkspaces, Workspace } from './workspace.js';

/** Open files a sandboxed child may hold (RLIMIT_NOFILE). */
const SANDBOX_OPEN_FILES = 1024;
/** Processes and threads a sandboxed child's uid may have (RLIMIT_NPROC): Node's and libvips' threads, a command's. */
const SANDBOX_PROCESSES = 512;

/** What a child is started for: whose files it may run, and whether it has the network. */
export interface Profile {
  tenant: string;
  network: boolean;
}

/** A live child and, in the sandbox, its workspace. */
export interface Slot {
  worker: WorkerProcess;
  workspace: Workspace | null;
}

/** The pool's limits that shape a child's command line. */
export interface LaunchSettings {
  timeoutMs: number;
  memoryMb: number;
  limits: RunLimits;
}

export interface Launcher {
  /** Starts a child for `slot` (its uid in the sandbox) and `profile`. */
  launch(slot: number, profile: Profile): Promise<Slot>;
  sandbox: SandboxInfo;
}

/** @throws Error when a sandbox path is relative, a sandbox tool is missing, or the permission model is asked for but missing. */
export function createLauncher(opts: PoolOptions, settings: LaunchSettings): Launcher {
  const permissionModel = opts.permissionModel ?? true;
  const entry = childEntry();
  const codeRoot = findCodeRoot();
  const flag = permissionFlag();
  const bwrap = opts.bwrap ?? null;
  // Tests only: a folder the test processors keep state in across runs (see registry.ts).
  const testState = process.env.FILEMILL_TEST_STATE_DIR ?? '';
  const stateDirs = testState === '' ? [] : [testState];
  const allowRead = [...(bwrap ? [JOB_IN, JOB_OUT] : (opts.allowRead ?? [])), ...stateDirs];
  const allowWrite = [...(bwrap ? [JOB_OUT] : (opts.allowWrite ?? [])), ...stateDirs];
  const execArgv = buildExecArgv({
    memoryMb: settings.memoryMb,
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
  let launch: Launcher['launch'];
  if (!bwrap) {
    launch = async () => ({ worker: new WorkerProcess(plain), workspace: null });
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
    launch = async (slot, profile) => {
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
          fileSizeBytes: settings.limits.maxOutputBytes,
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
  const sandbox = describeSandbox({
    level: bwrap ? 'bwrap' : permissionModel ? 'permission' : 'none',
    permissionModel,
    permissionFlag: flag,
    readFolders: new Set([codeRoot, ...allowRead]).size,
    writeFolders: new Set(allowWrite).size,
    typescript: entry.typescript,
    commands: opts.allowChildProcess ?? false,
    timeoutMs: settings.timeoutMs,
    memoryMb: settings.memoryMb,
    rootDrop: bwrap !== null && slotIdentity(0) !== null,
  });
  return { launch, sandbox };
}
