/**
 * How a child is launched: its entry file, its Node flags (heap cap, permission model) and
 * its environment. Pure functions of the options and the runtime, so the flags can be
 * checked by unit tests without forking anything.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder with package.json above this module: the code the child must be able to read. */
export function findCodeRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return dirname(from);
    dir = parent;
  }
  return dir;
}

/** The child's entry: the built `child.js` beside this module, else `child.ts` (run under tsx). */
export function childEntry(): { path: string; typescript: boolean } {
  const js = fileURLToPath(new URL('./child.js', import.meta.url));
  if (existsSync(js)) return { path: js, typescript: false };
  return { path: fileURLToPath(new URL('./child.ts', import.meta.url)), typescript: true };
}

/**
 * The permission model's flag on this runtime: `--permission` (Node ≥ 22.13 / 23.5), else
 * `--experimental-permission` (Node 20), else null (none).
 */
export function permissionFlag(
  flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags,
): string | null {
  if (flags.has('--permission')) return '--permission';
  if (flags.has('--experimental-permission')) return '--experimental-permission';
  return null;
}

/** `/Work/Main` → `/wORK/mAIN`: the path tsx probes to learn whether the disk is case-sensitive. */
export function invertCase(path: string): string {
  return [...path].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

export interface LaunchInput {
  memoryMb: number;
  permissionModel: boolean;
  allowRead: readonly string[];
  allowWrite: readonly string[];
  codeRoot: string;
  /** URL of tsx's loader when the child runs TypeScript, else null. */
  tsxLoader: string | null;
  /** The permission flag of this runtime (see {@link permissionFlag}). */
  permissionFlag: string | null;
  /** Let the child start processes: only when operator commands are configured. */
  allowChildProcess?: boolean;
}

/** V8 heap cap for a child, in MiB: 75 % of its RSS limit, so native memory has room too. */
export function heapLimitMb(memoryMb: number): number {
  return Math.max(32, Math.floor(memoryMb * 0.75));
}

/**
 * The child's `execArgv`. Under the permission model: reads of `allowRead` + the code root,
 * writes to `allowWrite`, native addons (sharp); no child processes, no worker threads —
 * except under tsx, whose loader runs in a worker thread (Node 20 `module.register`) and
 * transforms with esbuild's service process, so both are allowed there (development only),
 * and child processes when `allowChildProcess` (operator commands: the command is a process
 * the child starts, so that it runs under the file's limits and is killed with the file).
 * @throws Error when a path is relative or holds a comma (Node 20 splits flag values on commas).
 */
export function buildExecArgv(input: LaunchInput): string[] {
  const argv = [`--max-old-space-size=${heapLimitMb(input.memoryMb)}`];
  if (input.permissionModel) {
    if (!input.permissionFlag)
      throw new Error('This Node.js has no permission model; set permissionModel: false.');
    const reads = unique([input.codeRoot, ...input.allowRead].map(checkedPath));
    // tsx calls existsSync() on the case-inverted cwd; Node 20 throws there instead of
    // returning false unless it may be read. It does not exist on a case-sensitive disk.
    if (input.tsxLoader && invertCase(input.codeRoot) !== input.codeRoot)
      reads.push(invertCase(input.codeRoot));
    argv.push(input.permissionFlag);
    for (const path of reads) argv.push(`--allow-fs-read=${path}`);
    for (const path of unique(input.allowWrite.map(checkedPath))) argv.push(`--allow-fs-write=${path}`);
    argv.push('--allow-addons');
    if (input.tsxLoader) argv.push('--allow-worker');
    if (input.tsxLoader || input.allowChildProcess) argv.push('--allow-child-process');
  }
  if (input.tsxLoader) argv.push(`--import=${input.tsxLoader}`);
  return argv;
}

/** Variables passed on from the parent's environment; everything else is withheld. */
const PASSED_ENV = [
  'NODE_ENV',
  'TZ',
  'LANG',
  'LC_ALL',
  'FILEMILL_TEST_PROCESSORS',
  'FILEMILL_TEST_STATE_DIR',
] as const;

/** The child's environment: a short allow-list of the parent's, `extra`, and hardening. */
export function buildEnv(
  parentEnv: NodeJS.ProcessEnv,
  extra: Record<string, string>,
  opts: { permissionModel: boolean; typescript: boolean },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_ENV) {
    const value = parentEnv[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, extra);
  // libvips refuses its "untrusted" loaders (ImageMagick, MATLAB, FITS, …) outright.
  env.VIPS_BLOCK_UNTRUSTED = '1';
  // tsx's transform cache lives in the temp folder, which the child may not write.
  if (opts.typescript && opts.permissionModel) env.TSX_DISABLE_CACHE = '1';
  return env;
}

function checkedPath(path: string): string {
  if (!isAbsolute(path)) throw new Error(`Sandbox paths must be absolute: ${path}`);
  if (path.includes(',')) throw new Error(`Sandbox paths may not contain a comma: ${path}`);
  return resolve(path);
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
