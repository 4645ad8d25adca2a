/**
 * Operator commands inside the pool: the child may start the command (and only because
 * commands are configured), and every kill of the pool's — its wall time, a cancel — takes
 * the command's whole process tree with the child, a grandchild included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commandsToEnv, resolveBinary, type CommandSpec } from '../../src/processors/commands/config.js';
import { ProcessPool, type TaskResult } from '../../src/worker/process-pool.js';
import { assertAllGone, readPids } from '../processors/command-fixtures.js';
import { makeDataDir, type DataDir } from './pool-fixture.js';

const TOOL = fileURLToPath(new URL('../fixtures/commands/tool.sh', import.meta.url));

function command(name: string, argv: string[], timeoutMs = 60_000): CommandSpec {
  return { name, title: name, accepts: ['*/*'], argv, binary: argv[0]!, outputExt: '.txt', timeoutMs };
}

function errorOf(result: TaskResult): { code: string; message: string } {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  return result.error;
}

describe('ProcessPool with operator commands', () => {
  let data: DataDir;
  let pool: ProcessPool;
  const pidFile = (name: string): string => join(data.dir, `${name}.pids`);

  before(async () => {
    data = await makeDataDir();
    const cp = resolveBinary('cp', process.env.PATH)!;
    const commands = [
      command('cmd-cp', [cp, '{input}', '{output}']),
      command('cmd-fail', [TOOL, 'fail', '{input}', '{output}']),
      command('hang-timeout', [TOOL, 'hang', '{input}', '{output}', join(data.dir, 'hang-timeout.pids')]),
      command('hang-cancel', [TOOL, 'hang', '{input}', '{output}', join(data.dir, 'hang-cancel.pids')]),
    ];
    pool = new ProcessPool({
      size: 1,
      // What the hang case waits for; room enough for a fresh child's start on a loaded
      // machine (at 3 s the first file, a plain cp, ran out of time as tests ran side by side).
      timeoutMs: 8000,
      allowRead: [data.dir],
      allowWrite: [data.dir],
      permissionModel: true,
      allowChildProcess: true,
      env: { FILEMILL_COMMANDS: commandsToEnv(commands), PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  });
  after(async () => {
    await pool.close();
    await data.remove();
  });

  it('says in its sandbox line that children may start processes for operator commands', () => {
    assert.match(pool.sandbox.summary, /child processes ALLOWED for operator commands|TypeScript loader/);
  });

  it('runs a command in a sandboxed child and keeps its output', async () => {
    const task = data.task('cmd-cp');
    const result = await pool.run(task);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.outputType, 'text/plain; charset=utf-8');
    assert.equal(await readFile(task.input.outputPath, 'utf8'), await readFile(data.input, 'utf8'));
  });

  it('fails a non-zero exit with COMMAND_FAILED and no server path in the message', async () => {
    const error = errorOf(await pool.run(data.task('cmd-fail')));
    assert.equal(error.code, 'COMMAND_FAILED');
    assert.match(error.message, /exited with code 3: .*cannot convert "trip\/input\.txt" into the output/);
    assert.ok(!error.message.includes(data.dir), error.message);
  });

  it("kills the command's whole tree when the file's wall time runs out", async () => {
    const run = pool.run(data.task('hang-timeout'));
    const pids = await readPids(pidFile('hang-timeout'));
    assert.equal(errorOf(await run).code, 'TIMEOUT');
    await assertAllGone(pids);
  });

  it("kills the command's whole tree when the file is cancelled", async () => {
    const stop = new AbortController();
    const run = pool.run(data.task('hang-cancel'), { signal: stop.signal });
    const pids = await readPids(pidFile('hang-cancel'));
    stop.abort();
    assert.equal(errorOf(await run).code, 'CANCELLED');
    await assertAllGone(pids);
  });

  it('kills a process group the child started without saying so (or before it could)', async () => {
    const stop = new AbortController();
    const run = pool.run(data.task('spawn-silent', { pidFile: pidFile('silent') }), { signal: stop.signal });
    const pids = await readPids(pidFile('silent'));
    stop.abort();
    assert.equal(errorOf(await run).code, 'CANCELLED');
    await assertAllGone(pids);
  });
});

describe('ProcessPool with operator commands, when the server dies', () => {
  let data: DataDir;
  before(async () => {
    data = await makeDataDir();
  });
  after(() => data.remove());

  it("takes the command's whole tree down with it, even by SIGKILL", async () => {
    const pidFile = join(data.dir, 'host.pids');
    const host = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./pool-host.ts', import.meta.url)), data.dir, pidFile],
      { stdio: 'ignore', env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.tsx.json' } },
    );
    const exited = new Promise((resolve) => host.once('exit', resolve));
    const pids = await readPids(pidFile);
    host.kill('SIGKILL');
    await exited;
    await assertAllGone(pids);
  });
});
