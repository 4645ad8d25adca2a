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
  stop(): Promise<void>;
}

export function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, FILEMILL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /filemill (http:\/\/\S+)/.exec(text);
      if (!match) return;
      resolve({
        child,
        url: match[1]!,
        rss: async () => {
          const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
          return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
        },
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${text}`)));
  });
}

export async function waitFinal(url: string, id: string): Promise<Record<string, any>> {
  for (;;) {
    const batch = (await (await fetch(`${url}/api/batches/${id}`)).json()) as Record<string, any>;
    if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(batch.status)) return batch;
    await new Promise((r) => setTimeout(r, 50));
  }
}
