/**
 * A stand-in server for one test: a pool that runs a never-ending operator command, so the
 * test can SIGKILL this process and check that the command's tree does not outlive it.
 * Usage: pool-host.ts DATA_DIR PID_FILE
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandsToEnv } from '../../src/processors/commands/config.js';
import { ProcessPool } from '../../src/worker/process-pool.js';

const [dir, pidFile] = process.argv.slice(2) as [string, string];
const tool = fileURLToPath(new URL('../fixtures/commands/tool.sh', import.meta.url));
const argv = [tool, 'hang', '{input}', '{output}', pidFile];
const spec = { name: 'hang', title: 'hang', accepts: ['*/*'], argv, binary: tool, outputExt: '.out' };
const pool = new ProcessPool({
  size: 1,
  timeoutMs: 600_000,
  allowRead: [dir],
  allowWrite: [dir],
  allowChildProcess: true,
  env: { FILEMILL_COMMANDS: commandsToEnv([spec]), PATH: process.env.PATH ?? '/usr/bin:/bin' },
});
const input = join(dir, 'input.txt');
await writeFile(input, 'x');
const task = { inputPath: input, outputPath: join(dir, 'out'), contentType: null, name: 'a.txt' };
await pool.run({ processor: 'hang', input: task, settings: {} });
