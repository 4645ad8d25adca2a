/**
 * The pool under misbehaving processors: hangs, memory hogs, crashes, and the sandbox. Each
 * limit is enforced by killing the child from outside, and the pool keeps working after.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ProcessPool, type TaskResult } from '../../src/worker/process-pool.js';
import { makeDataDir, pidOf, type DataDir } from './pool-fixture.js';

function errorOf(result: TaskResult): { code: string; transient: boolean; message: string } {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  return { code: result.error.code, transient: result.transient, message: result.error.message };
}

describe('ProcessPool limits', () => {
  let data: DataDir;
  let pool: ProcessPool;

  before(async () => {
    data = await makeDataDir();
    pool = new ProcessPool({
      size: 1,
      timeoutMs: 20_000,
      memoryMb: 256,
      maxTasksPerWorker: 1000,
      allowRead: [data.dir],
      allowWrite: [data.dir],
      permissionModel: true,
    });
  });
  after(async () => {
    await pool.close();
    await data.remove();
  });

  it('kills a child over the RSS limit with MEMORY_LIMIT', async () => {
    const error = errorOf(await pool.run(data.task('hog', { kind: 'buffer' })));
    assert.equal(error.code, 'MEMORY_LIMIT');
    assert.equal(error.transient, false);
  });

  it('kills a child whose JS heap keeps growing with MEMORY_LIMIT', async () => {
    const error = errorOf(await pool.run(data.task('hog', { kind: 'heap' })));
    assert.equal(error.code, 'MEMORY_LIMIT');
    assert.equal(error.transient, false);
  });

  it('reports a native crash as WORKER_CRASHED, transient, and replaces the child', async () => {
    const before = pidOf(await pool.run(data.task('copy')));
    const task = data.task('crash', { how: 'segv' });
    const error = errorOf(await pool.run(task));
    assert.equal(error.code, 'WORKER_CRASHED');
    assert.equal(error.transient, true);
    assert.match(error.message, /SIGSEGV/);
    assert.equal(existsSync(task.input.outputPath), false, 'the partial output was removed');
    const afterCrash = pidOf(await pool.run(data.task('copy')));
    assert.notEqual(afterCrash, before);
  });

  for (const how of ['abort', 'exit', 'uncaught'] as const) {
    it(`reports a child that dies by ${how} as WORKER_CRASHED`, async () => {
      const error = errorOf(await pool.run(data.task('crash', { how })));
      assert.equal(error.code, 'WORKER_CRASHED');
      assert.equal(error.transient, true);
    });
  }

  it('lets a crash-once file succeed on its second attempt', async () => {
    const task = data.task('crash-once');
    assert.equal(errorOf(await pool.run(task)).code, 'WORKER_CRASHED');
    const retry = await pool.run(task);
    assert.equal(retry.ok, true, JSON.stringify(retry));
  });
});

describe('ProcessPool time limit, recycling and shutdown', () => {
  let data: DataDir;
  before(async () => {
    data = await makeDataDir();
  });
  after(() => data.remove());

  it('kills a spinning child at the time limit with TIMEOUT, then runs the next file', async () => {
    // 5 s: a fresh child's first file (loading TypeScript through tsx) must fit in it too.
    const pool = new ProcessPool({
      size: 1,
      timeoutMs: 5_000,
      allowRead: [data.dir],
      allowWrite: [data.dir],
    });
    try {
      const error = errorOf(await pool.run(data.task('spin')));
      assert.equal(error.code, 'TIMEOUT');
      assert.equal(error.transient, false);
      assert.match(error.message, /time limit of 5 s/);
      assert.equal((await pool.run(data.task('copy'))).ok, true);
    } finally {
      await pool.close();
    }
  });

  it('replaces a child after maxTasksPerWorker files', async () => {
    const pool = new ProcessPool({
      size: 1,
      maxTasksPerWorker: 2,
      allowRead: [data.dir],
      allowWrite: [data.dir],
    });
    try {
      const pids = [];
      for (let i = 0; i < 5; i++) pids.push(pidOf(await pool.run(data.task('copy'))));
      assert.equal(pids[0], pids[1]);
      assert.notEqual(pids[1], pids[2]);
      assert.equal(pids[2], pids[3]);
      assert.notEqual(pids[3], pids[4]);
    } finally {
      await pool.close();
    }
  });

  it('lets a processor read outside allowRead when the permission model is off', async () => {
    const pool = new ProcessPool({ size: 1, permissionModel: false });
    try {
      assert.match(pool.sandbox.summary, /no permission model/);
      const task = data.task('read-outside', { path: data.outside });
      const result = await pool.run(task);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(await readFile(task.input.outputPath, 'utf8'), 'secret');
    } finally {
      await pool.close();
    }
  });

  it('close() ends running and queued files as transient and waits for the children', async () => {
    const pool = new ProcessPool({ size: 1, allowRead: [data.dir], allowWrite: [data.dir] });
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = pool.run(data.task('sleep', { ms: 30_000, steps: 300 }), { onProgress: () => started() });
    const queued = pool.run(data.task('copy'));
    await running;
    await pool.close();
    for (const result of await Promise.all([first, queued])) {
      const error = errorOf(result);
      assert.equal(error.code, 'WORKER_CRASHED');
      assert.equal(error.transient, true);
    }
    assert.equal(errorOf(await pool.run(data.task('copy'))).code, 'WORKER_CRASHED');
  });
});
