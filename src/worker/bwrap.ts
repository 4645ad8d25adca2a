/**
 * The OS-level sandbox of a worker: the command line that starts a child under bubblewrap
 * (`bwrap`) with rlimits set by util-linux's `prlimit`, and, when the server runs as root, a
 * drop to a uid of its own by `setpriv`. Pure functions of what they are given, so the exact
 * flags are checked by unit tests; `probeBwrap` is the one that runs something.
 *
 * What the child sees (see README "Sandbox"): its own empty network, PID, IPC and UTS
 * namespaces; /usr (and the /bin, /lib… links into it), the dynamic linker's cache, the Node
 * binary, and the code it needs, read-only; a private /tmp, /proc and /dev; and of the data
 * folder only its workspace: `/job/in` (read-only: the file at hand) and `/job/out` (where
 * it writes). It dies with its parent, cannot gain privileges, and runs in a new session.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { delimiter, dirname, isAbsolute, join, sep } from 'node:path';

/** Where a worker's workspace appears inside the sandbox. */
export const JOB_DIR = '/job';
export const JOB_IN = `${JOB_DIR}/in`;
export const JOB_OUT = `${JOB_DIR}/out`;

/** The first uid (and gid) of sandboxed children when the server runs as root: one per slot. */
export const DEFAULT_UID_BASE = 1_500_000_000;

/** The identity a worker in `slot` runs as: a uid and gid of its own, when the server runs as root (it cannot give one otherwise). */
export function slotIdentity(slot: number, uidBase = DEFAULT_UID_BASE): SandboxIdentity | null {
  return process.getuid?.() === 0 ? { uid: uidBase + slot, gid: uidBase + slot } : null;
}

/** The top-level names of the host's root that are links into /usr on merged-/usr systems. */
const SYSTEM_LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'] as const;

export interface BwrapLayout {
  /** Host paths bound read-only at the same place: the code, the Node binary's prefix, … */
  readOnly: readonly string[];
  /** Host paths bound writable at the same place (the test processors' state folder only). */
  readWrite?: readonly string[];
  /** The workspace's host folders, bound at {@link JOB_IN} (read-only) and {@link JOB_OUT}. */
  inDir: string;
  outDir: string;
  /** The child's working directory inside (bound read-only, e.g. the code root). */
  cwd: string;
  /** Keep the host's network (an operator command that asked for it); else an empty one. */
  network: boolean;
}

export interface Rlimits {
  /** Largest file the child may write, in bytes (RLIMIT_FSIZE): the output limit. */
  fileSizeBytes: number;
  /** Open files (RLIMIT_NOFILE). */
  openFiles: number;
  /** Processes and threads of the child's uid (RLIMIT_NPROC); only with a uid of its own. */
  processes: number | null;
}

/** A uid and gid the child runs as; null keeps the server's (a non-root server). */
export interface SandboxIdentity {
  uid: number;
  gid: number;
}

export interface SandboxCommand {
  file: string;
  args: string[];
}

/** The programs the sandbox is made of, as absolute paths. */
export interface SandboxTools {
  prlimit: string;
  bwrap: string;
  /** Runs inside the sandbox: must be under /usr (bound read-only). */
  setpriv: string;
}

/**
 * Finds the sandbox's programs on `path` (a PATH value).
 * @returns the tools, or the name of the first one missing.
 */
export function findTools(path: string = process.env.PATH ?? '/usr/bin:/bin'): SandboxTools | string {
  const found: Partial<SandboxTools> = {};
  for (const name of ['prlimit', 'bwrap', 'setpriv'] as const) {
    const file = path
      .split(delimiter)
      .filter((dir) => isAbsolute(dir))
      .map((dir) => join(dir, name))
      .find((candidate) => isExecutable(candidate));
    if (!file) return name;
    found[name] = file;
  }
  return found as SandboxTools;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The system part of the sandbox: /usr read-only, the root's links into it (or the folders
 * themselves, on a system without merged /usr), and the linker's cache from /etc — nothing
 * else of /etc (no passwd, no hosts, no resolv.conf, no TLS keys).
 */
export function systemBinds(root = '/'): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const name of SYSTEM_LINKS) {
    const path = join(root, name);
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (!stats) continue;
    if (stats.isSymbolicLink()) args.push('--symlink', readlinkSync(path), `/${name}`);
    else if (stats.isDirectory()) args.push('--ro-bind', `/${name}`, `/${name}`);
  }
  args.push('--perms', '0755', '--dir', '/etc');
  if (existsSync(join(root, 'etc/ld.so.cache')))
    args.push('--ro-bind', '/etc/ld.so.cache', '/etc/ld.so.cache');
  return args;
}

/**
 * Every ancestor of `paths` that bwrap must create as a mount point, made 0755 first: bwrap
 * makes them 0700, which a child with a uid of its own could not traverse.
 */
function parentDirs(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir !== '/' && dir !== '.'; dir = dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort((a, b) => a.split(sep).length - b.split(sep).length || a.localeCompare(b));
}

/** bwrap's arguments, up to (not including) the command it runs. */
export function bwrapArgs(layout: BwrapLayout, system: readonly string[] = systemBinds()): string[] {
  const args = [
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(layout.network ? [] : ['--unshare-net']),
    '--hostname',
    'filemill-sandbox',
    '--die-with-parent',
    '--new-session',
    ...system,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
  ];
  const readOnly = [...new Set(layout.readOnly)].filter((path) => !path.startsWith('/usr/'));
  const readWrite = [...new Set(layout.readWrite ?? [])];
  const bound = [...readOnly, ...readWrite];
  for (const dir of parentDirs([...bound, JOB_IN])) {
    if (!bound.includes(dir) && !dir.startsWith('/usr')) args.push('--perms', '0755', '--dir', dir);
  }
  for (const path of readOnly) args.push('--ro-bind', path, path);
  for (const path of readWrite) args.push('--bind', path, path);
  args.push('--ro-bind', layout.inDir, JOB_IN, '--bind', layout.outDir, JOB_OUT, '--chdir', layout.cwd);
  return args;
}

/** `prlimit` flags for these limits, core dumps off. */
export function prlimitArgs(limits: Rlimits): string[] {
  const args = [`--fsize=${limits.fileSizeBytes}`, `--nofile=${limits.openFiles}`, '--core=0'];
  if (limits.processes !== null) args.push(`--nproc=${limits.processes}`);
  return args;
}

/**
 * The whole command: `prlimit … bwrap … [setpriv …] <program> <args>`. With an identity, the
 * sandbox is set up as root and the child drops to it before anything of the file runs:
 * real, effective and saved ids, no supplementary groups, no capabilities left to regain.
 */
export function sandboxCommand(
  tools: SandboxTools,
  layout: BwrapLayout,
  limits: Rlimits,
  identity: SandboxIdentity | null,
  program: string,
  programArgs: readonly string[],
): SandboxCommand {
  const drop = identity
    ? [
        tools.setpriv,
        `--reuid=${identity.uid}`,
        `--regid=${identity.gid}`,
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--',
      ]
    : [];
  return {
    file: tools.prlimit,
    args: [
      ...prlimitArgs(limits),
      '--',
      tools.bwrap,
      ...bwrapArgs(layout),
      '--',
      ...drop,
      program,
      ...programArgs,
    ],
  };
}

/**
 * The folders a Node child needs from the code root, read-only: `package.json` (module type),
 * `node_modules`, and the built code — or, under tsx (development and tests), the sources and
 * the tsconfig files. Nothing else of the project folder: not `.git`, not `./data`.
 */
export function codePaths(codeRoot: string, typescript: boolean): string[] {
  const names = ['package.json', 'node_modules', 'dist'];
  if (typescript) {
    names.push('src');
    for (const name of readdirSync(codeRoot)) if (/^tsconfig.*\.json$/.test(name)) names.push(name);
  }
  return names.map((name) => join(codeRoot, name)).filter((path) => existsSync(path));
}

/**
 * The folder to bind for the Node binary itself: nothing when it is under /usr; else its
 * installation prefix (`…/bin/node` → `…`), e.g. a Node from nvm or `npx node@24`.
 */
export function nodePrefix(execPath: string = process.execPath): string | null {
  const real = realpathSync(execPath);
  if (real.startsWith('/usr/')) return null;
  return dirname(dirname(real));
}

/**
 * Every host path a sandboxed child gets read-only: the code it needs, the Node binary's
 * installation (when outside /usr), and `extra` (test processors, a command's folder).
 */
export function readOnlyPaths(
  codeRoot: string,
  typescript: boolean,
  extra: readonly string[] = [],
): string[] {
  const node = nodePrefix();
  return [...codePaths(codeRoot, typescript), ...(node === null ? [] : [node]), ...extra];
}

/** What the probe found: the sandbox works here, or why not (one line). */
export type ProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * Starts a real sandboxed Node process with the layout the workers get and checks that it ran
 * with no network: detect, do not assume (a container may forbid namespaces, a kernel may
 * forbid unprivileged ones, a tool may be missing).
 */
export function probeBwrap(command: SandboxCommand, timeoutMs = 10_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command.file, command.args, { stdio: ['ignore', 'pipe', 'pipe'], env: {} });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `${command.file} cannot be started (${error.code ?? error.message})` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = output.trim().split('\n').at(-1)?.slice(0, 300) ?? '';
      if (code === 0 && last === 'sandboxed') return resolve({ ok: true });
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      resolve({ ok: false, reason: `a sandboxed test process ${how}${last ? `: ${last}` : ''}` });
    });
  });
}

/**
 * The probe's script: the interfaces it can see — only loopback, and down or up with no
 * route out — tell an empty network namespace from the host's.
 */
export const PROBE_SCRIPT =
  "const n=Object.keys(require('os').networkInterfaces()).filter(i=>i!=='lo');" +
  "console.log(n.length===0?'sandboxed':'network visible: '+n.join(','))";
