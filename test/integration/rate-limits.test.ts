/**
 * Abuse limits with a real server and lowered budgets: a caller past its requests, uploads
 * or failed authentications per minute gets `429 RATE_LIMITED` with `Retry-After`, and the
 * server keeps serving everyone else — another key, another address.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { newApiKeySecret } from '../../src/core/api-keys.js';
import { createKey } from './support/keys.js';
import { form, startTestServer, type TestServer } from './support/server.js';

/** A GET from a chosen loopback address, as another client would send it. */
function getFrom(url: string, localAddress: string, key?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { localAddress, headers: key ? { authorization: `Bearer ${key}` } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('rate limits', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;

  before(async () => {
    server = await startTestServer({ rateLimit: 10, submitRateLimit: 2, authFailureLimit: 5 });
    alice = await createKey(server.filemill.store, 'alice');
    bob = await createKey(server.filemill.store, 'bob');
  });
  after(() => server?.close());

  const get = (key: string) =>
    fetch(`${server.url}/api/limits`, { headers: { authorization: `Bearer ${key}` } });

  it('answers a key past its requests a minute 429 with Retry-After, and another key as before', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await get(alice)).status);
    assert.deepEqual(statuses, [...Array(10).fill(200), 429, 429]);
    const refused = await get(alice);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'RATE_LIMITED');
    assert.equal((await get(bob)).status, 200);
  });

  it('counts uploads on a budget of their own, keeping nothing of a refused one', async () => {
    const key = await createKey(server.filemill.store, 'uploader');
    const upload = () =>
      fetch(`${server.url}/api/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: form([{ name: 'a.txt', data: 'a' }], { processor: 'copy' }),
      }).then((r) => r.status);
    assert.deepEqual([await upload(), await upload(), await upload()], [202, 202, 429]);
    const list = await fetch(`${server.url}/api/batches`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(((await list.json()) as { items: unknown[] }).items.length, 2);
  });

  it('answers an address past its failed authentications 429, and other addresses and good keys as before', async () => {
    const url = `${server.url}/api/limits`;
    const wrong = newApiKeySecret().key;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await getFrom(url, '127.0.0.3', wrong));
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    assert.equal(await getFrom(url, '127.0.0.4', wrong), 401);
    const good = await createKey(server.filemill.store, 'good');
    assert.equal(await getFrom(url, '127.0.0.3', good), 200);
  });
});
