/**
 * Cancel, retry, and crashes: a cancelled or crashed file never stops the batch, a worker
 * killed mid-file costs only that file one attempt.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allFiles,
  getJson,
  postJson,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';
import { workerPids } from './support/processes.js';
import { readSse } from './support/sse.js';

const txt = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, data: `file ${i}\n` }));

describe('cancel and retry', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ concurrency: 1 });
  });
  after(() => server.close());

  it('cancels a queued file at once and a running file by ending its worker', async () => {
    const { body } = await submit(server.url, txt(3), { processor: 'sleep', settings: '{"ms": 60000}' });
    const id = body.id;
    await waitForBatch(server.url, id, (b) => b.counts.running === 1);

    const queued = await postJson(`${server.url}/api/batches/${id}/files/1/cancel`);
    assert.equal(queued.status, 200);
    assert.equal(queued.body.counts.cancelled, 1);

    const running = await postJson(`${server.url}/api/batches/${id}/files/0/cancel`);
    assert.equal(running.status, 200);
    await waitForBatch(server.url, id, (b) => b.counts.cancelled === 2 && b.counts.running === 1, 10_000);
    const files = await allFiles(server.url, id);
    assert.equal(files[0].status, 'cancelled');
    assert.equal(files[1].status, 'cancelled');
    assert.equal(files[2].status, 'running');

    const cancelled = await postJson(`${server.url}/api/batches/${id}/cancel`);
    assert.equal(cancelled.status, 200);
    const batch = await waitForBatch(server.url, id, undefined, 10_000);
    assert.equal(batch.status, 'cancelled');
    assert.deepEqual(batch.counts, {
      queued: 0,
      running: 0,
      retrying: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 3,
    });

    const again = await postJson(`${server.url}/api/batches/${id}/cancel`);
    assert.equal(again.status, 200, 'cancel is idempotent');
    assert.equal(again.body.status, 'cancelled');
  });

  it('retries cancelled files, keeping their attempts, and finishes the batch normally', async () => {
    const { body } = await submit(server.url, txt(3), { processor: 'sleep', settings: '{"ms": 300}' });
    const id = body.id;
    await postJson(`${server.url}/api/batches/${id}/files/2/cancel`);
    const first = await waitForBatch(server.url, id);
    assert.equal(first.status, 'completed_with_errors');

    const conflict = await postJson(`${server.url}/api/batches/${id}/retry`, { files: [0] });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'CONFLICT');

    const retried = await postJson(`${server.url}/api/batches/${id}/retry`);
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, 'running');
    assert.equal(retried.body.finishedAt, null);
    const done = await waitForBatch(server.url, id);
    assert.equal(done.status, 'completed');
    const files = await allFiles(server.url, id);
    assert.deepEqual(
      files.map((f) => f.attempts),
      [1, 1, 1],
    );
  });

  it('gives a file that finishes as it is cancelled one final state, and the batch one end', async (t) => {
    // Cancels land just before, at and just after the moment the file finishes. Whichever
    // wins, the file has exactly one final state, the log exactly one final event for it
    // and one batch end, and the batch agrees with the file. The sleep processor reports
    // its progress, which tells when it will end: (100 − p) % of its 400 ms are left.
    const outcomes: string[] = [];
    for (let offset = -60; offset <= 60; offset += 15) {
      const { body } = await submit(server.url, txt(1), {
        processor: 'sleep',
        settings: '{"ms": 400, "steps": 8}',
      });
      const id = body.id as string;
      const seen = await readSse(`${server.url}/api/batches/${id}/events`, {
        until: (events) => events.some((e) => e.data.type === 'file.progress'),
      });
      const progress = seen.events.find((e) => e.data.type === 'file.progress')?.data.file.progress ?? 0;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, (100 - progress) * 4 + offset)));
      const cancel = await postJson(`${server.url}/api/batches/${id}/cancel`);
      assert.equal(cancel.status, 200);
      const batch = await waitForBatch(server.url, id, undefined, 10_000);
      const [file] = await allFiles(server.url, id);
      assert.ok(['succeeded', 'cancelled'].includes(file.status), file.status);
      // A cancel flagged while the file ran ends the batch `cancelled` even when the run
      // finished in that instant and keeps its result (API.md: succeeded files keep their
      // outputs); one that came after the end finds the batch completed.
      if (file.status === 'cancelled') assert.equal(batch.status, 'cancelled');
      else assert.ok(['completed', 'cancelled'].includes(batch.status), batch.status);

      const { events, ended } = await readSse(`${server.url}/api/batches/${id}/events`);
      assert.ok(ended);
      assert.deepEqual(
        events.map((e) => e.id),
        events.map((_, i) => i + 1),
      );
      const finals = events.filter((e) =>
        ['file.succeeded', 'file.failed', 'file.cancelled'].includes(e.data.type),
      );
      assert.deepEqual(
        finals.map((e) => e.data.type),
        [`file.${file.status}`],
      );
      const ends = events.filter((e) =>
        ['batch.completed', 'batch.failed', 'batch.cancelled'].includes(e.data.type),
      );
      assert.deepEqual(
        ends.map((e) => e.data.type),
        [`batch.${batch.status}`],
      );
      assert.equal(events.at(-1)!.data.status, batch.status);
      outcomes.push(file.status);
    }
    t.diagnostic(`outcomes: ${outcomes.join(', ')}`);
  });

  it('deletes a batch with its files', async () => {
    const { body } = await submit(server.url, txt(1), { processor: 'copy' });
    await waitForBatch(server.url, body.id);
    const response = await fetch(`${server.url}/api/batches/${body.id}`, { method: 'DELETE' });
    assert.equal(response.status, 204);
    assert.equal((await getJson(`${server.url}/api/batches/${body.id}`)).status, 404);
  });
});

describe('crashes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ concurrency: 2, maxAttempts: 3, retryBaseMs: 20 });
  });
  after(() => server.close());

  it('retries a file whose worker crashed, and fails it with WORKER_CRASHED after the last attempt', async () => {
    const once = await submit(server.url, txt(2), { processor: 'crash-once' });
    const always = await submit(server.url, txt(1), { processor: 'crash' });
    const a = await waitForBatch(server.url, once.body.id);
    assert.equal(a.status, 'completed');
    for (const f of await allFiles(server.url, once.body.id)) assert.equal(f.attempts, 2);

    const b = await waitForBatch(server.url, always.body.id);
    assert.equal(b.status, 'failed');
    const [file] = await allFiles(server.url, always.body.id);
    assert.equal(file.error.code, 'WORKER_CRASHED');
    assert.equal(file.attempts, 3);
  });

  it('costs only the file in flight one attempt when its worker process is killed', async () => {
    const { body } = await submit(server.url, txt(2), { processor: 'sleep', settings: '{"ms": 1500}' });
    await waitForBatch(server.url, body.id, (b) => b.counts.running === 2);
    // Both files are leased; their worker processes start on demand, a moment later.
    let workers = await workerPids();
    for (let tries = 0; workers.length < 2 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      workers = await workerPids();
    }
    assert.ok(workers.length >= 2, `expected two worker processes, found ${workers.length}`);
    process.kill(workers[0]!, 'SIGKILL');
    const batch = await waitForBatch(server.url, body.id);
    assert.equal(batch.status, 'completed');
    const attempts = (await allFiles(server.url, body.id)).map((f) => f.attempts).sort();
    assert.deepEqual(attempts, [1, 2]);
  });
});
