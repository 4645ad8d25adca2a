/**
 * Live progress over Server-Sent Events: the durable log replayed then followed live, in
 * order, resumable without loss by `Last-Event-ID` or `?after`, scoped to one batch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startTestServer, submit, waitForBatch, type TestServer } from './support/server.js';
import { readSse } from './support/sse.js';

const txt = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `d/f${i}.txt`, data: `file ${i}\n` }));
const END = ['batch.completed', 'batch.failed', 'batch.cancelled'];

function assertGapFree(seqs: number[], from = 1): void {
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => from + i),
    `seq must go up by one: ${seqs.join(',')}`,
  );
}

describe('event stream (SSE)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ concurrency: 2, maxStreamsPerBatch: 2 });
  });
  after(() => server.close());

  it('streams a whole batch in order, live, and ends after the batch end event', async () => {
    const { body } = await submit(server.url, txt(12), { processor: 'sleep', settings: '{"ms": 100}' });
    const read = await readSse(`${server.url}${body.eventsUrl}`);
    assert.equal(read.status, 200);
    assert.ok(read.ended, 'the server ends the stream');
    assertGapFree(read.events.map((e) => e.id));
    const types = read.events.map((e) => e.data.type);
    assert.equal(types[0], 'batch.queued');
    assert.equal(types.filter((t) => t === 'file.succeeded').length, 12);
    assert.equal(types.at(-1), 'batch.completed');
    assert.equal(types.filter((t) => END.includes(t)).length, 1);
    for (const e of read.events) {
      assert.equal(e.data.seq, e.id);
      assert.equal(e.data.batchId, body.id);
      assert.match(e.data.at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof e.data.progress, 'number');
      assert.ok(e.data.counts);
    }
    const last = read.events.at(-1)!.data;
    assert.equal(last.progress, 100);
    assert.equal(last.counts.succeeded, 12);
  });

  it('resumes after a given seq with ?after and with Last-Event-ID', async () => {
    const { body } = await submit(server.url, txt(3), { processor: 'copy' });
    await waitForBatch(server.url, body.id);
    const all = await readSse(`${server.url}${body.eventsUrl}`);
    const byQuery = await readSse(`${server.url}${body.eventsUrl}?after=5`);
    assert.equal(byQuery.events[0]!.id, 6);
    assert.deepEqual(
      byQuery.events.map((e) => e.id),
      all.events.slice(5).map((e) => e.id),
    );
    const byHeader = await readSse(`${server.url}${body.eventsUrl}`, { headers: { 'last-event-id': '5' } });
    assert.deepEqual(
      byHeader.events.map((e) => e.id),
      byQuery.events.map((e) => e.id),
    );
    const atEnd = await readSse(`${server.url}${body.eventsUrl}?after=${all.events.at(-1)!.id}`);
    assert.deepEqual(atEnd.events, []);
    assert.ok(atEnd.ended, 'resuming after the end of a finished batch ends at once');
  });

  it('loses nothing and repeats nothing when a client disconnects mid-batch and resumes', async () => {
    const { body } = await submit(server.url, txt(8), { processor: 'sleep', settings: '{"ms": 150}' });
    const first = await readSse(`${server.url}${body.eventsUrl}`, { until: (events) => events.length >= 4 });
    assert.equal(first.ended, false);
    await new Promise((r) => setTimeout(r, 400)); // events keep coming while it is away
    const lastSeen = first.events.at(-1)!.id;
    const second = await readSse(`${server.url}${body.eventsUrl}`, {
      headers: { 'last-event-id': String(lastSeen) },
    });
    const seqs = [...first.events, ...second.events].map((e) => e.id);
    assertGapFree(seqs);
    assert.equal(second.events.at(-1)!.data.type, 'batch.completed');
  });

  it('replays a retried batch past its first end event, up to its latest one', async () => {
    const { body } = await submit(server.url, txt(2), { processor: 'sleep', settings: '{"ms": 300}' });
    await fetch(`${server.url}/api/batches/${body.id}/files/1/cancel`, { method: 'POST' });
    await waitForBatch(server.url, body.id);
    await fetch(`${server.url}/api/batches/${body.id}/retry`, { method: 'POST' });
    await waitForBatch(server.url, body.id);
    const read = await readSse(`${server.url}${body.eventsUrl}`);
    assert.ok(read.ended);
    assertGapFree(read.events.map((e) => e.id));
    const types = read.events.map((e) => e.data.type);
    assert.equal(types.filter((t) => t === 'batch.completed').length, 2);
    assert.equal(types.at(-1), 'batch.completed');
    assert.ok(types.includes('file.retrying'));
    assert.equal(read.events.at(-1)!.data.status, 'completed');
  });

  it('sends a client only the events of the batch it asked for', async () => {
    const a = await submit(server.url, txt(3), { processor: 'sleep', settings: '{"ms": 100}' });
    const b = await submit(server.url, txt(3), { processor: 'sleep', settings: '{"ms": 100}' });
    const [readA, readB] = await Promise.all([
      readSse(`${server.url}${a.body.eventsUrl}`),
      readSse(`${server.url}${b.body.eventsUrl}`),
    ]);
    assert.ok(readA.events.length > 0 && readB.events.length > 0);
    assert.ok(readA.events.every((e) => e.data.batchId === a.body.id));
    assert.ok(readB.events.every((e) => e.data.batchId === b.body.id));
  });

  it('refuses a stream past the per-batch limit with 429 RATE_LIMITED, and frees the slot on disconnect', async () => {
    const { body } = await submit(server.url, txt(1), { processor: 'sleep', settings: '{"ms": 60000}' });
    const url = `${server.url}${body.eventsUrl}`;
    const holders = [new AbortController(), new AbortController()];
    const opened = await Promise.all(holders.map((h) => fetch(url, { signal: h.signal })));
    assert.deepEqual(
      opened.map((r) => r.status),
      [200, 200],
    );
    const third = await fetch(url);
    assert.equal(third.status, 429);
    assert.equal(((await third.json()) as any).error.code, 'RATE_LIMITED');
    holders[0]!.abort();
    let again: Response | null = null;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await fetch(url, { signal: holders[1]!.signal });
    }
    assert.equal(again?.status, 200);
    holders[1]!.abort();
    await fetch(`${server.url}/api/batches/${body.id}/cancel`, { method: 'POST' });
  });

  it('answers an unknown batch with 404 NOT_FOUND', async () => {
    const response = await getJson(`${server.url}/api/batches/b_0000000000000000000000000/events`);
    assert.equal(response.status, 404);
    assert.equal(response.body.error.code, 'NOT_FOUND');
  });
});

describe('event streams when the server closes', () => {
  it('ends open streams so the close does not wait for their clients', { timeout: 60_000 }, async () => {
    const server = await startTestServer({ concurrency: 1 });
    const { body } = await submit(server.url, txt(1), { processor: 'sleep', settings: '{"ms": 60000}' });
    const reading = readSse(`${server.url}/api/batches/${body.id}/events`, { timeoutMs: 120_000 });
    await waitForBatch(server.url, body.id, (b) => b.counts.running === 1);
    // The stream is open and would stay open (heartbeats) until the batch ends in a minute.
    await server.close();
    const { events, ended } = await reading;
    assert.ok(ended, 'the server ended the stream');
    assert.ok(!events.some((e) => END.includes(e.data.type)), 'before the batch ended');
  });
});
