/**
 * The pool's ordinary life: files run in sandboxed children, in parallel, with progress, and
 * whatever a processor reports or throws becomes a safe result.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProcessPool, type TaskResult } from '../../src/worker/process-pool.js';
import { makeDataDir, pidOf, type DataDir } from './pool-fixture.js';
import { workerPids } from '../integration/support/processes.js';

/** Every failed result of this file, checked at the end for server paths. */
const messages: string[] = [];
function failure(result: TaskResult): Extract<TaskResult, { ok: false }> {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  messages.push(result.error.message);
  return result;
}

describe('ProcessPool', () => {
  let data: DataDir;
  let pool: ProcessPool;

  before(async () => {
    data = await makeDataDir();
    pool = new ProcessPool({
      size: 2,
      timeoutMs: 20_000,
      memoryMb: 512,
      maxTasksPerWorker: 100,
      limits: { maxInputPixels: 1_000_000, maxOutputBytes: 1024 },
      allowRead: [data.dir],
      allowWrite: [data.dir],
      permissionModel: true,
    });
  });
  after(async () => {
    await pool.close();
    await data.remove();
  });

  it('describes its sandbox for the start-up log', () => {
    assert.equal(pool.sandbox.permissionModel, true);
    assert.match(pool.sandbox.summary, /permission model/);
    assert.match(pool.sandbox.summary, /native code \(libvips\) is not confined/);
  });

  it('runs a file in a child and reports the output it wrote', async () => {
    const task = data.task('copy');
    const result = await pool.run(task);
    assert.equal(result.ok, true, JSON.stringify(result));
    if (!result.ok) return;
    assert.equal(result.outputType, 'text/plain');
    assert.equal(result.outputBytes, 64);
    assert.notEqual(pidOf(result), process.pid);
    assert.ok(result.cpuMs >= 0 && result.durationMs >= 0);
    assert.equal(await readFile(task.input.outputPath, 'utf8'), 'x'.repeat(64));
  });

  it('runs two files at once in two different processes', async () => {
    const [a, b] = await Promise.all([
      pool.run(data.task('sleep', { ms: 600, steps: 2 })),
      pool.run(data.task('sleep', { ms: 600, steps: 2 })),
    ]);
    assert.notEqual(pidOf(a), pidOf(b));
  });

  it('queues a third file until a child is free', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => pool.run(data.task('sleep', { ms: 300, steps: 1 }))),
    );
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, true],
    );
    assert.ok(new Set(results.map(pidOf)).size <= 2, 'only two children exist');
  });

  it('forwards progress throttled, ending at 100', async () => {
    const seen: number[] = [];
    const result = await pool.run(data.task('sleep', { ms: 500, steps: 100 }), {
      onProgress: (p) => seen.push(p),
    });
    assert.equal(result.ok, true);
    assert.equal(seen.at(-1), 100);
    assert.ok(seen.length < 50, `100 reports were throttled to ${seen.length}`);
  });

  it('finishes a file when Ctrl-C reaches the worker (the terminal signals the whole group)', async () => {
    let signalled: Promise<void> | null = null;
    const result = await pool.run(data.task('sleep', { ms: 600, steps: 6 }), {
      onProgress: () => {
        signalled ??= workerPids().then((pids) => pids.forEach((pid) => process.kill(pid, 'SIGINT')));
      },
    });
    await signalled;
    assert.ok(signalled, 'the worker was signalled mid-file');
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  it('keeps the code of a ProcessorError, not transient', async () => {
    const result = failure(
      await pool.run(data.task('fail', { code: 'CORRUPT_INPUT', message: 'Bad bytes.' })),
    );
    assert.deepEqual(result.error, { code: 'CORRUPT_INPUT', message: 'Bad bytes.' });
    assert.equal(result.transient, false);
  });

  it('turns any other error into PROCESSOR_ERROR without paths', async () => {
    const task = data.task('fail');
    const result = failure(await pool.run(task));
    assert.equal(result.error.code, 'PROCESSOR_ERROR');
    assert.equal(result.transient, false);
    assert.equal(result.error.message, 'Cannot process "trip/input.txt"');
    const other = failure(
      await pool.run(data.task('fail', { message: `ENOENT: open '/srv/secret/x.db'\n    at x` })),
    );
    assert.equal(other.error.message, "ENOENT: open '<path>'");
  });

  it('does not trust an unknown code from a child', async () => {
    const result = failure(await pool.run(data.task('fail', { code: 'NOT_A_CODE', message: 'Nope.' })));
    assert.equal(result.error.code, 'PROCESSOR_ERROR');
  });

  it('fails a success that wrote no output', async () => {
    const result = failure(await pool.run(data.task('copy', { writeOutput: false })));
    assert.equal(result.error.code, 'PROCESSOR_ERROR');
    assert.match(result.error.message, /no output/);
  });

  it('fails and deletes an output over maxOutputBytes', async () => {
    const big = join(data.dir, 'big.txt');
    await writeFile(big, 'y'.repeat(4096));
    const task = data.task('copy', {}, big);
    const result = failure(await pool.run(task));
    assert.equal(result.error.code, 'OUTPUT_TOO_LARGE');
    assert.equal(existsSync(task.input.outputPath), false);
  });

  it('stops a file by its abort signal at once, with CANCELLED', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const task = data.task('sleep', { ms: 30_000, steps: 300 });
    const result = failure(
      await pool.run(task, { signal: controller.signal, onProgress: () => controller.abort() }),
    );
    assert.equal(result.error.code, 'CANCELLED');
    assert.equal(result.transient, false);
    assert.ok(Date.now() - started < 15_000, 'cancelled long before the 30 s sleep ended');
    assert.equal(existsSync(task.input.outputPath), false);
  });

  it('cancels a queued file that never started', async () => {
    const busy = [
      pool.run(data.task('sleep', { ms: 800, steps: 1 })),
      pool.run(data.task('sleep', { ms: 800, steps: 1 })),
    ];
    const controller = new AbortController();
    const queued = pool.run(data.task('copy'), { signal: controller.signal });
    controller.abort();
    const result = failure(await queued);
    assert.equal(result.error.code, 'CANCELLED');
    assert.equal(result.durationMs, 0);
    await Promise.all(busy);
  });

  it('blocks reads outside allowRead under the permission model', async () => {
    const result = failure(await pool.run(data.task('read-outside', { path: data.outside })));
    assert.equal(result.error.code, 'PROCESSOR_ERROR');
    assert.match(result.error.message, /restricted|denied|permission/i);
  });

  it('names no server path in any error message', () => {
    assert.ok(messages.length >= 8);
    for (const message of messages) {
      assert.ok(!message.includes(data.dir), message);
      assert.doesNotMatch(message, /(^|[\s'"(])\/[\w.-]+\/[\w.-]+/, message);
    }
  });
});
