/**
 * Several nodes, as separate OS processes on one machine: an API node and a second API node
 * (`serve --concurrency 0`), two worker nodes (`filemill worker`), sharing a fresh
 * PostgreSQL database, a Redis prefix of their own and one data folder. A worker node killed
 * with SIGKILL mid-batch costs nothing: every file ends once, each node did some; the event
 * stream read from one API node and resumed on the other has no gap and no repeat; a cancel
 * sent to an API node reaches the file running on a worker node.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { redisProblem } from '../../src/events/redis/reachable.js';
import { postgresProblem } from '../store/postgres-support.js';
import { itNeedsService } from '../support/services.js';
import './support/env.js';
import { allFiles, getJson, postJson, submit, waitForBatch } from './support/server.js';
import {
  assertGapFree,
  createDatabase,
  freePort,
  startNode,
  stopNode,
  type Node,
  type TestDatabase,
} from './support/nodes.js';
import { readSse } from './support/sse.js';

const REDIS_URL = process.env.FILEMILL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const problem =
  (await postgresProblem()) ?? ((await redisProblem(REDIS_URL)) && `Redis: ${await redisProblem(REDIS_URL)}`);

if (problem !== null) {
  describe('several nodes', () =>
    itNeedsService('runs nodes over PostgreSQL and Redis', 'a service', REDIS_URL, problem));
} else {
  describe('several nodes (BullMQ on Redis, PostgreSQL, a shared data folder)', () => {
    let database: TestDatabase;
    let dataDir: string;
    let env: Record<string, string>;
    const nodes: Node[] = [];
    let api: Node;
    let api2: Node;
    let worker1: Node;
    let worker2: Node;

    before(async () => {
      database = await createDatabase();
      dataDir = await mkdtemp(join(tmpdir(), 'filemill-nodes-'));
      env = {
        FILEMILL_QUEUE: 'bullmq',
        FILEMILL_REDIS_URL: REDIS_URL,
        FILEMILL_REDIS_PREFIX: `fmtest${randomBytes(4).toString('hex')}`,
        FILEMILL_DATABASE_URL: database.url.toString(),
        FILEMILL_DATA_DIR: dataDir,
        // A dead node's file is taken again after its lease (plus BullMQ's stall check).
        FILEMILL_LEASE_MS: '3000',
      };
      // One node migrates first; the others find the schema in place.
      api = await startNode('api-1', 'serve', env);
      [api2, worker1, worker2] = await Promise.all([
        startNode('api-2', 'serve', env),
        startNode('worker-1', 'worker', env),
        startNode('worker-2', 'worker', { ...env, FILEMILL_WORKER_PORT: String(await freePort()) }),
      ]);
      nodes.push(api, api2, worker1, worker2);
    });

    after(async () => {
      await Promise.all(nodes.map(stopNode));
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('finishes every file exactly once when a worker node is killed mid-batch, and streams it without gap', async () => {
      const files = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}.txt`, data: `file ${i}` }));
      const { status, body } = await submit(api.url, files, { processor: 'sleep', settings: '{"ms": 1200}' });
      assert.equal(status, 202);
      const id = body.id as string;

      // Worker 1 has finished a file and runs another: now it dies, as a power cut would.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ofWorker1 = (await allFiles(api.url, id)).filter((f: any) => f.node === 'worker-1');
        const busy = ofWorker1.some((f: any) => f.status === 'running');
        if (busy && ofWorker1.some((f: any) => f.status === 'succeeded')) break;
        assert.ok(Date.now() < deadline, 'worker-1 should have finished one file and run another');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const first = await readSse(`${api2.url}/api/batches/${id}/events`, { until: (e) => e.length >= 5 });
      worker1.child.kill('SIGKILL');

      // The rest of the stream, from the other API node, resumed where the first one stopped.
      const rest = await readSse(`${api.url}/api/batches/${id}/events`, {
        headers: { 'last-event-id': String(first.events.at(-1)!.id) },
        timeoutMs: 120_000,
      });
      const events = [...first.events, ...rest.events];
      assertGapFree(events);
      assert.equal(events.at(-1)!.data.type, 'batch.completed');
      assert.equal(
        events.filter((e) => e.data.type === 'file.succeeded').length,
        8,
        'each file succeeds once',
      );

      const batch = (await getJson(`${api.url}/api/batches/${id}`)).body;
      assert.equal(batch.status, 'completed');
      assert.equal(batch.counts.succeeded, 8);
      const list = await allFiles(api.url, id);
      const byNode = new Set(list.map((f: any) => f.node));
      assert.deepEqual([...byNode].sort(), ['worker-1', 'worker-2'], 'both worker nodes did some');
      assert.ok(
        list.some((f: any) => f.attempts === 2 && f.node === 'worker-2'),
        'the dead node’s file ran again',
      );
    });

    it('has worker nodes answer /healthz and /metrics on their own port, and nothing else', async () => {
      assert.match(worker2.url, /^http:/, 'worker-2 says where it listens');
      const health = await getJson(`${worker2.url}/healthz`);
      assert.deepEqual(health.body, { status: 'ok', node: 'worker-2' });
      const metrics = await (await fetch(`${worker2.url}/metrics`)).text();
      assert.match(
        metrics,
        /^filemill_files_finished_total\{processor="sleep",status="succeeded",code=""\} \d+$/m,
      );
      assert.equal((await fetch(`${worker2.url}/api/batches`)).status, 404, 'no API on a worker node');
      assert.equal(worker1.url, '', 'worker-1 has no listener');
    });

    it('stops a file running on a worker node when an API node is told to cancel', async () => {
      const { body } = await submit(api2.url, [{ name: 'slow.txt', data: 'slow' }], {
        processor: 'sleep',
        settings: '{"ms": 60000}',
      });
      await waitForBatch(api2.url, body.id, (b) => b.counts.running === 1, 60_000);
      const asked = Date.now();
      const cancelled = await postJson(`${api2.url}/api/batches/${body.id}/cancel`);
      assert.equal(cancelled.status, 200);
      const batch = await waitForBatch(api2.url, body.id, undefined, 30_000);
      assert.equal(batch.status, 'cancelled');
      const [file] = await allFiles(api2.url, body.id);
      assert.equal(file.status, 'cancelled');
      assert.equal(file.node, 'worker-2');
      process.stdout.write(
        `# cancel across nodes: batch cancelled ${Date.now() - asked} ms after the request\n`,
      );
    });
  });
}
