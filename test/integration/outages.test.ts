/**
 * The services several nodes share going away mid-batch and coming back, with real nodes
 * (an API node and a worker node as OS processes): a Redis of the test's own, killed and
 * started again empty, as a restart without persistence leaves it; PostgreSQL reached
 * through a relay the test cuts for a few seconds, as a restart or a network failure would.
 * Nothing accepted is lost, no file runs twice, and the event stream, read as a browser
 * reads it (resuming by `Last-Event-ID`), has no gap and no repeat.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresProblem } from '../store/postgres-support.js';
import { OwnRedisServer, redisServerProblem } from '../support/redis-server.js';
import { itNeedsService } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import './support/env.js';
import {
  assertGapFree,
  createDatabase,
  freePort,
  startNode,
  stopNode,
  stopsWithin,
  type Node,
  type TestDatabase,
} from './support/nodes.js';
import { allFiles, getJson, submit, waitForBatch } from './support/server.js';
import { followSseToEnd, type SseEvent } from './support/sse.js';

const FILES = 6;
const RUN_MS = 700;
const isBatchEnd = (event: SseEvent): boolean =>
  String(event.data.type).startsWith('batch.') && event.data.type !== 'batch.started';

const problem = (await postgresProblem()) ?? redisServerProblem();

if (problem !== null) {
  describe('outages', () =>
    itNeedsService('survives Redis and PostgreSQL outages', 'a service', 'redis-server', problem));
} else {
  describe('outages of the shared services (BullMQ on Redis, PostgreSQL)', () => {
    let redis: OwnRedisServer;
    let proxy: TcpProxy;
    let database: TestDatabase;
    let dataDir: string;
    const nodes: Node[] = [];
    let api: Node;
    let env: Record<string, string>;

    before(async () => {
      redis = new OwnRedisServer(await freePort());
      await redis.start();
      database = await createDatabase();
      proxy = new TcpProxy({ host: database.url.hostname, port: Number(database.url.port || 5432) });
      const viaProxy = new URL(database.url);
      viaProxy.host = `127.0.0.1:${await proxy.listen()}`;
      dataDir = await mkdtemp(join(tmpdir(), 'filemill-outages-'));
      env = {
        FILEMILL_QUEUE: 'bullmq',
        FILEMILL_REDIS_URL: redis.url,
        FILEMILL_DATABASE_URL: viaProxy.toString(),
        FILEMILL_DATA_DIR: dataDir,
        // Longer than the outages here: a brief one must not cost a file its lease.
        FILEMILL_LEASE_MS: '15000',
      };
      api = await startNode('api', 'serve', env);
      nodes.push(api, await startNode('worker', 'worker', env));
    });

    after(async () => {
      // None is killed on purpose here: what one that died printed says why.
      for (const node of nodes.filter((n) => n.child.exitCode !== null || n.child.signalCode !== null)) {
        process.stdout.write(`# ${node.name} died:\n${node.output().replace(/^/gm, '# ')}\n`);
      }
      await Promise.all(nodes.map(stopNode));
      await proxy?.close();
      await redis?.kill();
      await database?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    /** Submits a batch of slow files and starts reading its stream to the end. */
    async function slowBatch(): Promise<{ id: string; stream: Promise<SseEvent[]> }> {
      const files = Array.from({ length: FILES }, (_, i) => ({ name: `f${i}.txt`, data: `file ${i}` }));
      const { status, body } = await submit(api.url, files, {
        processor: 'sleep',
        settings: JSON.stringify({ ms: RUN_MS }),
      });
      assert.equal(status, 202);
      const id = body.id as string;
      const stream = followSseToEnd(`${api.url}/api/batches/${id}/events`, isBatchEnd);
      // Awaited by the test's end; a test that failed before must not leave it unhandled.
      stream.catch(() => undefined);
      // One file done and the next one running: the outage comes mid-batch, mid-file.
      await waitForBatch(api.url, id, (b) => b.counts?.succeeded >= 1 && b.counts.running === 1);
      return { id, stream };
    }

    /** The batch ended completed, each file succeeded once, in its first attempt. */
    async function assertAllSucceededOnce(id: string, stream: Promise<SseEvent[]>, files = FILES) {
      const batch = await waitForBatch(api.url, id, undefined, 120_000);
      assert.equal(batch.status, 'completed');
      assert.equal(batch.counts.succeeded, files);
      const list = await allFiles(api.url, id);
      assert.deepEqual(
        list.map((f: any) => [f.status, f.attempts]),
        list.map(() => ['succeeded', 1]),
        'a brief outage costs no file an attempt',
      );
      const events = await stream;
      assertGapFree(events);
      assert.equal(events.filter((e) => e.data.type === 'file.succeeded').length, files);
      assert.equal(events.at(-1)!.data.type, 'batch.completed');
    }

    it('loses nothing when Redis restarts mid-batch and comes back empty', async () => {
      const { id, stream } = await slowBatch();
      await redis.kill();
      // Accepted while Redis is away: the database has it, so it runs once Redis is back.
      const during = await submit(api.url, [{ name: 'late.txt', data: 'late' }], { processor: 'sleep' });
      assert.equal(during.status, 202, JSON.stringify(during.body));
      await sleep(1000);
      await redis.start();

      await assertAllSucceededOnce(id, stream);
      const late = await waitForBatch(api.url, during.body.id, undefined, 60_000);
      assert.equal(late.status, 'completed');
      // Expected trouble is reported as such (warnings, once), not as errors.
      for (const node of nodes) {
        const errors = node
          .output()
          .split('\n')
          .filter((line) => line.includes('"level":50'));
        assert.deepEqual(errors, [], `${node.name} logged no error`);
      }
      for (const node of nodes) assert.equal(node.child.exitCode, null, `${node.name} is still running`);
    });

    it('stops a worker node while Redis is away, without waiting for it', async () => {
      const spare = await startNode('spare', 'worker', env);
      await redis.kill();
      try {
        // It gives up on Redis after its grace (10 s); its files would be recovered by lease.
        assert.ok(await stopsWithin(spare, 60_000), 'the node exits');
      } finally {
        await redis.start();
      }
    });

    it('loses nothing when PostgreSQL is unreachable for a few seconds, and says so meanwhile', async () => {
      const { id, stream } = await slowBatch();
      const batchesBefore = await readdir(join(dataDir, 'blobs'));
      await proxy.cut();

      const read = await getJson(`${api.url}/api/batches/${id}`);
      assert.equal(read.status, 503);
      assert.equal(read.body.error.code, 'NOT_READY');
      const refused = await submit(api.url, [{ name: 'refused.txt', data: 'no' }], { processor: 'sleep' });
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'NOT_READY');
      assert.equal((await getJson(`${api.url}/readyz`)).status, 503);
      // Longer than a file's run: the running file ends while the store is away.
      await sleep(RUN_MS * 3);
      await proxy.restore();

      await assertAllSucceededOnce(id, stream);
      for (const node of nodes) assert.equal(node.child.exitCode, null, `${node.name} is still running`);
      assert.deepEqual(
        await readdir(join(dataDir, 'blobs')),
        batchesBefore,
        'the refused upload left nothing behind',
      );
    });
  });
}
