/**
 * The warm pool: after `warm()` every slot has a child before any file comes, owned by no one;
 * a child that goes (retired for another owner, after its share of files, crashed) is replaced
 * before the next file needs it, never with more than `size` processes alive; a child that
 * cannot start is tried again after a pause, not in a loop; and close leaves no process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ProcessPool, type PoolOptions } from '../../src/worker/process-pool.js';
import { makeDataDir, pidOf, type DataDir } from './pool-fixture.js';
import { workerPids } from '../integration/support/processes.js';

/** Polls `check` until it holds; fails naming `what` after 30 s (a behaviour, not a timing, is tested). */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 30_000; !(await check()); await delay(20)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`);
  }
}

/** Samples this process's worker children until stopped; `max` is the most seen at once. */
function countProcesses(): { max: number; stop(): Promise<void> } {
  let running = true;
  const sampler = {
    max: 0,
    stop: async () => {
      running = false;
      await loop;
    },
  };
  const loop = (async () => {
    while (running) {
      sampler.max = Math.max(sampler.max, (await workerPids()).length);
      await delay(5);
    }
  })();
  return sampler;
}

describe('a warm ProcessPool', () => {
  let data: DataDir;
  const pools: ProcessPool[] = [];
  const newPool = (options: PoolOptions = {}): ProcessPool => {
    const pool = new ProcessPool({
      size: 2,
      timeoutMs: 20_000,
      memoryMb: 512,
      allowRead: [data.dir],
      allowWrite: [data.dir],
      ...options,
    });
    pools.push(pool);
    return pool;
  };

  before(async () => {
    data = await makeDataDir();
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await data.remove();
  });

  it('has its size of children listening before any file, and the first file runs in one of them', async () => {
    const pool = newPool();
    await pool.warm();
    assert.deepEqual(pool.warmth(), { size: 2, ready: 2, failed: 0, warming: false });
    const warm = await workerPids();
    assert.equal(warm.length, 2);
    const result = await pool.run(data.task('copy'));
    assert.ok(warm.includes(pidOf(result)), 'the file ran in a child started ahead of it');
    await pool.close();
    assert.deepEqual(await workerPids(), []);
  });

  it('lets any owner take a child no file has used yet, with no replacement', async () => {
    const pool = newPool();
    await pool.warm();
    const warm = await workerPids();
    const alice = pidOf(await pool.run(data.task('copy'), { tenant: 'k_alice' }));
    const bob = pidOf(await pool.run(data.task('copy'), { tenant: 'k_bob' }));
    assert.ok(warm.includes(alice) && warm.includes(bob), 'both ran in warm children');
    assert.notEqual(alice, bob, "bob's file does not run where alice's did");
    assert.equal(pool.replacements, 0);
    // Each is its owner's now: alice's next file goes back to hers.
    assert.equal(pidOf(await pool.run(data.task('copy'), { tenant: 'k_alice' })), alice);
    await pool.close();
  });

  it('after an owner change, has a fresh child ready before the next file arrives', async () => {
    const pool = newPool();
    await pool.warm();
    const sleepy = () => data.task('sleep', { ms: 200, steps: 1 });
    const alices = (
      await Promise.all([
        pool.run(sleepy(), { tenant: 'k_alice' }),
        pool.run(sleepy(), { tenant: 'k_alice' }),
      ])
    ).map(pidOf);
    assert.equal(new Set(alices).size, 2, "both children ran alice's files");

    const bob = pidOf(await pool.run(data.task('copy'), { tenant: 'k_bob' }));
    assert.ok(!alices.includes(bob), "bob's file ran in a new child");
    await until('two children listen again', () => pool.warmth().ready === 2);
    const before = await workerPids();
    assert.equal(before.length, 2);
    assert.ok(!before.some((pid) => alices.includes(pid)), "alice's idle child was replaced too");

    const carol = pidOf(await pool.run(data.task('copy'), { tenant: 'k_carol' }));
    assert.ok(before.includes(carol), "carol's file ran in a child that was there before it came");
    assert.notEqual(carol, bob, "not in bob's");
    await pool.close();
    assert.deepEqual(await workerPids(), []);
  });

  it('replaces a child retired after its share of files, or crashed, before the next file, never over size', async () => {
    const pool = newPool({ size: 1, maxTasksPerWorker: 1 });
    await pool.warm();
    const processes = countProcesses();
    try {
      const [first] = await workerPids();
      assert.equal(pidOf(await pool.run(data.task('copy'))), first);
      await until('a replacement listens', () => pool.warmth().ready === 1);
      const [second] = await workerPids();
      assert.ok(second !== undefined && second !== first, 'a new child, started without a file');

      const crashed = await pool.run(data.task('crash', { how: 'exit' }));
      assert.equal(crashed.ok, false);
      await until('a replacement listens', () => pool.warmth().ready === 1);
      const [third] = await workerPids();
      assert.ok(third !== undefined && third !== second, 'a new child after the crash');
      assert.equal(pidOf(await pool.run(data.task('copy'))), third);
    } finally {
      await processes.stop();
    }
    assert.equal(processes.max, 1, 'never more than one process for a pool of one');
    await pool.close();
  });

  it('leaves no process when closed while its children are starting', async () => {
    const now = newPool();
    void now.warm();
    await now.close();
    assert.deepEqual(await workerPids(), []);

    const spawned = newPool();
    const warming = spawned.warm();
    await until('the children are spawned', async () => (await workerPids()).length === 2);
    await spawned.close();
    await warming;
    assert.deepEqual(await workerPids(), []);
    // Nothing starts after the close either.
    await delay(300);
    assert.deepEqual(await workerPids(), []);
  });

  it('says when its children cannot start, and tries again after a pause, not in a loop', async () => {
    const warnings: string[] = [];
    const pool = newPool({
      // Every child fails before it listens.
      env: { NODE_OPTIONS: '--require=/nonexistent/filemill-warm-test.cjs' },
      logger: { warn: (_obj, msg) => void warnings.push(msg) },
    });
    await pool.warm();
    assert.deepEqual(pool.warmth(), { size: 2, ready: 0, failed: 2, warming: false });
    const failedFirst = warnings.length;
    assert.equal(failedFirst, 2);
    // A hot loop would start hundreds of children meanwhile: at most two more tries each.
    await delay(1500);
    assert.ok(warnings.length <= failedFirst + 4, `${warnings.length - failedFirst} more tries`);
    const result = await pool.run(data.task('copy'));
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.transient, true);
    await pool.close();
    assert.deepEqual(await workerPids(), []);
  });
});
