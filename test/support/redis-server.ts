/**
 * A Redis server of the test's own (Debian's `redis-server` binary), on a free port and
 * keeping nothing on disk, like the machine's: a test can kill it and start it again, empty,
 * as a Redis restart without persistence would leave it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export const REDIS_SERVER = process.env.FILEMILL_TEST_REDIS_SERVER ?? 'redis-server';

/** Null when the binary runs; otherwise why not. */
export function redisServerProblem(): string | null {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error) return `${REDIS_SERVER} cannot be run (${probe.error.message}); install redis-server`;
  return probe.status === 0 ? null : `${REDIS_SERVER} --version exited with ${probe.status}`;
}

export class OwnRedisServer {
  #child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it; resolves once it accepts connections. */
  async start(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    });
  }

  /** Kills it at once (SIGKILL): what it held is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
