/**
 * Runs the JobQueue behaviour suite on BullMQ: real Redis (keys under a fresh prefix per
 * test, deleted after) and the PostgreSQL store (a fresh schema per test), plus what only a
 * queue across processes has: a node killed mid-run has its file taken by another node after
 * the stall interval. `FILEMILL_TEST_REDIS_URL` and `FILEMILL_TEST_DATABASE_URL` override the
 * services; when one cannot be reached the suite is skipped, except on CI (`CI=true`), where
 * that is a failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BullmqJobQueue } from '../../src/queue/bullmq/bullmq-job-queue.js';
import { createPostgresMetadataStore } from '../../src/store/postgres-metadata-store.js';
import { makeBatch } from '../store/contract/fixtures.js';
import { redisProblem as redisUnreachable } from '../../src/events/redis/reachable.js';
import { TEST_DATABASE_URL, TestSchemas, ownDatabase, postgresProblem } from '../store/postgres-support.js';
import { shownUrl as shown } from '../../src/core/urls.js';
import { freePort } from '../integration/support/nodes.js';
import { OwnRedisServer, redisServerProblem } from '../support/redis-server.js';
import {
  FakeRunner,
  batchEnds,
  describeJobQueue,
  waitFor,
  type JobQueueHarness,
} from './job-queue.contract.js';

const redisUrl = process.env.FILEMILL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE_MS = 1000;
const nodeScript = new URL('./support/bullmq-node.ts', import.meta.url).pathname;

/** Null when Redis answers, else why not. */
async function redisProblem(): Promise<string | null> {
  const why = await redisUnreachable(redisUrl);
  return why && `Redis not reachable at ${shown(redisUrl)}: ${why}`;
}

/** Deletes every key under `prefix`. */
async function dropKeys(prefix: string): Promise<void> {
  const client = new Redis(redisUrl);
  try {
    for await (const keys of client.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<
      string[]
    >) {
      if (keys.length > 0) await client.del(...keys);
    }
  } finally {
    await client.quit();
  }
}

async function openHarness(): Promise<JobQueueHarness & { schema: string; prefix: string }> {
  const schema = schemas.fresh();
  const prefix = `filemill-test-${randomBytes(6).toString('hex')}`;
  const store = createPostgresMetadataStore({ url: databaseUrl, schema });
  await store.migrate();
  return {
    store,
    schema,
    prefix,
    leaseMs: LEASE_MS,
    newQueue: ({ concurrency, node, onError }) =>
      new BullmqJobQueue(store, {
        redisUrl,
        prefix,
        concurrency,
        node,
        onError,
        leaseMs: LEASE_MS,
        maxAttempts: 3,
        stalledIntervalMs: 500,
        sweepMs: 500,
      }),
    close: async () => {
      await store.close();
      await dropKeys(prefix);
    },
  };
}

const problem =
  (await redisProblem()) ??
  (await postgresProblem(TEST_DATABASE_URL).then(
    (why) => why && `PostgreSQL not reachable at ${shown(TEST_DATABASE_URL)}: ${why}`,
  ));
/** The file's own database: schemas dropped elsewhere cannot upset its migrations. */
const database = problem === null ? await ownDatabase() : null;
const databaseUrl = database?.url ?? TEST_DATABASE_URL;
const schemas = new TestSchemas(databaseUrl);

if (problem === null) {
  after(async () => {
    await schemas.drop();
    await database?.drop();
  });

  describeJobQueue('bullmq', openHarness);

  describe('BullmqJobQueue', () => {
    it('drops the waiting jobs of cancelled files from Redis', async () => {
      const harness = await openHarness();
      const { store } = harness;
      const errors: unknown[] = [];
      // A node that runs nothing: every file's job stays waiting.
      const api = harness.newQueue({ concurrency: 0, node: 'node-a', onError: (e) => void errors.push(e) });
      const jobs = new Queue('files', { connection: { url: redisUrl }, prefix: harness.prefix });
      const waitingOf = async (batchId: string) =>
        (await jobs.getJobs(['waiting', 'delayed'])).filter((job) => job.data.batchId === batchId).length;
      try {
        api.start(new FakeRunner(store, () => 'succeed').run);
        const one = makeBatch({ createdAt: Date.now(), files: 3 });
        const other = makeBatch({ createdAt: Date.now() + 1, files: 2 });
        await store.createBatch(one);
        await store.createBatch(other);
        api.notify();
        await waitFor(
          'five waiting jobs',
          async () => (await waitingOf(one.id)) === 3 && (await waitingOf(other.id)) === 2,
        );

        await store.cancel(one.id, 1, Date.now());
        api.forget(one.id, [1]);
        await waitFor('file 1’s job gone', async () => (await waitingOf(one.id)) === 2);
        await store.cancel(one.id, null, Date.now());
        api.forget(one.id, null);
        await waitFor('the batch’s jobs gone', async () => (await waitingOf(one.id)) === 0);
        assert.equal(await waitingOf(other.id), 2, 'another batch keeps its jobs');
        assert.deepEqual(errors, []);
      } finally {
        await jobs.close();
        await api.stop();
        await harness.close();
      }
    });

    it('reaches a run on another node when told to abort it, over Redis', async () => {
      const harness = await openHarness();
      const { store } = harness;
      const errors: unknown[] = [];
      const onError = (e: unknown): void => void errors.push(e);
      // Node A takes no files; node B runs them and holds every run until its signal aborts.
      const api = harness.newQueue({ concurrency: 0, node: 'node-a', onError });
      const worker = harness.newQueue({ concurrency: 2, node: 'node-b', onError });
      const runner = new FakeRunner(store, () => 'hold');
      try {
        api.start(runner.run);
        worker.start(runner.run);
        const input = makeBatch({ createdAt: Date.now(), files: 2 });
        await store.createBatch(input);
        api.notify();
        await waitFor('both runs on node B', () => runner.inFlight === 2);
        const { running } = await store.cancel(input.id, 1, Date.now());
        api.abort(input.id, running);
        await waitFor(
          'file 1 cancelled',
          async () => (await store.getFile(input.id, 1))?.status === 'cancelled',
        );
        assert.deepEqual(runner.aborted, [{ index: 1, reason: 'cancel' }]);
        assert.equal((await store.getFile(input.id, 0))?.status, 'running', 'the other run goes on');
        assert.deepEqual(errors, []);
      } finally {
        await Promise.all([api.stop(), worker.stop()]);
        await harness.close();
      }
    });

    it('enqueues the waiting files again when Redis comes back empty, without waiting for its sweep', async (t) => {
      const why = redisServerProblem();
      if (why !== null) {
        if (process.env.CI === 'true') assert.fail(why);
        return t.skip(why);
      }
      const redis = new OwnRedisServer(await freePort());
      await redis.start();
      const harness = await openHarness();
      const { store } = harness;
      const errors: unknown[] = [];
      const queue = new BullmqJobQueue(store, {
        redisUrl: redis.url,
        prefix: harness.prefix,
        concurrency: 1,
        node: 'node-a',
        leaseMs: 30_000,
        maxAttempts: 3,
        // The sweep would enqueue the lost jobs too, but not within this test.
        sweepMs: 3_600_000,
        onError: (e) => void errors.push(e),
      });
      const runner = new FakeRunner(store, () => 'succeed', 800);
      try {
        const input = makeBatch({ createdAt: Date.now(), files: 3 });
        await store.createBatch(input);
        queue.start(runner.run);
        await waitFor('the first run', () => runner.inFlight === 1);
        // The two waiting jobs are lost with Redis's data; the database still has the files.
        await redis.kill();
        await redis.start();
        await batchEnds(store, input.id);
        assert.equal((await store.getBatch(input.id))?.status, 'completed');
        await runner.settled();
        for (let index = 0; index < 3; index++) assert.equal(runner.runsOf(input.id, index), 1);
      } finally {
        await queue.stop();
        await harness.close();
        await redis.kill();
      }
    });

    it('has the file of a node killed mid-run taken by another node after the stall interval', async () => {
      const harness = await openHarness();
      const { store } = harness;
      const child = spawn(process.execPath, ['--import', 'tsx', nodeScript], {
        env: {
          ...process.env,
          TEST_DATABASE_URL: databaseUrl,
          TEST_SCHEMA: harness.schema,
          TEST_REDIS_URL: redisUrl,
          TEST_PREFIX: harness.prefix,
          TEST_LEASE_MS: String(LEASE_MS),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const survivor = new BullmqJobQueue(store, {
        redisUrl,
        prefix: harness.prefix,
        concurrency: 2,
        node: 'node-b',
        leaseMs: LEASE_MS,
        maxAttempts: 3,
        stalledIntervalMs: 500,
        sweepMs: 60_000,
        onError: () => undefined,
      });
      try {
        const input = makeBatch({ createdAt: Date.now(), files: 3 });
        await store.createBatch(input);
        const lines = createInterface({ input: child.stdout });
        const taken = await new Promise<number>((resolve, reject) => {
          lines.on('line', (line) => {
            const [word, , index] = line.split(' ');
            if (word === 'running') resolve(Number(index));
          });
          child.on('exit', (code) => reject(new Error(`the node exited (${code}) before taking a file`)));
        });
        child.kill('SIGKILL');
        const runner = new FakeRunner(store);
        survivor.start(runner.run);
        await batchEnds(store, input.id);
        const batch = await store.getBatch(input.id);
        assert.equal(batch?.status, 'completed');
        const file = await store.getFile(input.id, taken);
        assert.equal(file?.node, 'node-b');
        assert.equal(file?.attempts, 2, 'the dead node’s run counts as an attempt');
        await runner.settled();
        for (let index = 0; index < 3; index++) assert.equal(runner.runsOf(input.id, index), 1);
      } finally {
        child.kill('SIGKILL');
        await survivor.stop();
        await harness.close();
      }
    });
  });
} else {
  it('runs the JobQueue suite on BullMQ', (t) => {
    // On CI both services are part of the job: their absence is a failure, not a skip.
    if (process.env.CI === 'true') assert.fail(problem);
    t.skip(problem);
  });
}
