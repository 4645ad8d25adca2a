/**
 * A filemill server in its own process (the built `bin/filemill.js`), so the bench measures
 * it the way it runs in production and can read its memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/filemill.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resident memory of the server process itself (not its workers), in bytes. */
  rss(): Promise<number>;
  /** CPU time (user + system) the server process itself (not its workers) has used, in ms. */
  cpuMs(): Promise<number>;
  /**
   * The same of its main thread alone: JavaScript and the calls it makes; the rest of
   * `cpuMs` is V8's helper threads (garbage collection, compilation) and libuv's thread pool.
   */
  mainThreadCpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `filemill <args>` from the build; resolves with the process and the address it
 * printed (empty for a worker node without a listener) once it says it runs.
 */
export function spawnFilemill(
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    env: { ...process.env, FILEMILL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const url = /filemill (http:\/\/\S+)/.exec(text)?.[1];
      if (url || /filemill worker .*\n/.test(text)) resolve({ child, url: url ?? '' });
    });
    child.once('exit', (code) => reject(new Error(`filemill ${args[0]} exited with ${code}: ${text}`)));
  });
}

/** SIGTERMs `child` and resolves once it has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/** `nodeArgs`: flags for Node itself, such as `--cpu-prof`. */
export async function startServer(
  dataDir: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const { child, url } = await spawnFilemill(['serve', '--port', '0', '--data-dir', dataDir], env, nodeArgs);
  return {
    child,
    url,
    rss: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    cpuMs: () => cpuMsOf(`/proc/${child.pid}/stat`),
    mainThreadCpuMs: () => cpuMsOf(`/proc/${child.pid}/task/${child.pid}/stat`),
    stop: () => stopProcess(child),
  };
}

/**
 * utime + stime from a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line (fields 14 and 15,
 * in clock ticks of 10 ms): of the whole process, or of one thread.
 */
async function cpuMsOf(statPath: string): Promise<number> {
  const stat = await readFile(statPath, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function waitFinal(url: string, id: string): Promise<Record<string, any>> {
  for (;;) {
    const batch = (await (await fetch(`${url}/api/batches/${id}`)).json()) as Record<string, any>;
    if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(batch.status)) return batch;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The server's Prometheus exposition (/metrics). */
export async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** A gauge's value in Prometheus text, or NaN. */
export function gauge(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}
