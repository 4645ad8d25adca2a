/**
 * Runs the `filemill` CLI as its own process, as a person or a script would: from the
 * sources (through tsx), with the environment of the test (so the test processors exist).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import './env.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Node's arguments for the CLI from the sources, and from the build as it ships. */
export const SOURCE_ARGS = ['--import', 'tsx', 'src/cli/run.ts'];
export const BUILT_ARGS = ['bin/filemill.js'];
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of the test, minus a FILEMILL_SERVER that would point the CLI elsewhere
 * and a FILEMILL_API_KEY it would send, unless the test sets them.
 */
function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('FILEMILL_SERVER' in env)) delete base.FILEMILL_SERVER;
  if (!('FILEMILL_API_KEY' in env)) delete base.FILEMILL_API_KEY;
  return base;
}

/** Runs the CLI to its end, from the sources or, with `from: 'built'`, from the build. */
export async function filemill(
  args: string[],
  env?: Record<string, string>,
  from: 'sources' | 'built' = 'sources',
): Promise<CliResult> {
  const built = from === 'built';
  const environment = cliEnv(env);
  // The test processors are TypeScript, which only the sources run.
  if (built) delete environment.FILEMILL_TEST_PROCESSORS;
  try {
    const { stdout, stderr } = await run(process.execPath, [...(built ? BUILT_ARGS : SOURCE_ARGS), ...args], {
      cwd: ROOT,
      env: environment,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error: any) {
    return { code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  }
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  exited: Promise<CliResult>;
}

/** Starts the CLI and returns at once, to signal it while it works. */
export function startFilemillCli(args: string[], env?: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [...SOURCE_ARGS, ...args], { cwd: ROOT, env: cliEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })),
  );
  return { child, stdout: () => stdout, exited };
}
