/**
 * Access control as a matrix: every operation of the served OpenAPI document — so a route
 * added later is in it without anyone remembering — × every kind of caller, against a real
 * server on SQLite and on PostgreSQL once API keys exist. Each cell is the status the
 * contract gives (shared/API.md, "Auth"), and no refusal tells another tenant's batch apart
 * from one that does not exist.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newApiKeySecret } from '../../src/core/api-keys.js';
import { postgresProblem } from '../store/postgres-support.js';
import { itNeedsService } from '../support/services.js';
import { createDatabase, type TestDatabase } from './support/nodes.js';
import { createKey } from './support/keys.js';
import { readWs } from './support/ws.js';
import { form, startTestServer, waitForBatch, type TestServer } from './support/server.js';

/** A stand-in id of the right shape that no batch has. */
const MISSING_ID = 'b_0000000000000000000000000';

interface Operation {
  method: string;
  /** As the OpenAPI document writes it: `/api/batches/{id}/files/{index}`. */
  path: string;
}

/** Every operation the server documents (the WebSocket route answers only an upgrade). */
async function documentedOperations(url: string, key: string): Promise<Operation[]> {
  const response = await fetch(`${url}/api/openapi.json`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const method of Object.keys(methods)) {
      if (path.endsWith('/ws')) continue;
      operations.push({ method: method.toUpperCase(), path });
    }
  }
  return operations;
}

interface Call {
  status: number;
  text: string;
}

/** One operation on `batchId`, with a request that is valid apart from who sends it. */
async function call(url: string, op: Operation, batchId: string, credential: Credential): Promise<Call> {
  const path = op.path.replace('{id}', batchId).replace('{index}', '0');
  const headers: Record<string, string> = {};
  let target = `${url}${path}`;
  if (credential.header) headers.authorization = `Bearer ${credential.header}`;
  if (credential.query) target += `?token=${encodeURIComponent(credential.query)}`;
  let body: FormData | string | undefined;
  if (op.method === 'POST' && op.path === '/api/batches') {
    body = form([{ name: 'a.txt', data: 'a' }], { processor: 'copy' });
  } else if (op.method === 'POST' && op.path.endsWith('/retry')) {
    body = '{}';
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(target, { method: op.method, headers, body });
  return { status: response.status, text: await response.text() };
}

interface Credential {
  name: string;
  header?: string;
  query?: string;
}

/** What the contract answers `caller` for `op` on alice's batch. */
type Expectation = number | 'as-missing';

describeAccess('SQLite', async () => ({ settings: {}, drop: async () => undefined }));

const problem = await postgresProblem();
if (problem !== null) {
  describe('access control on PostgreSQL', () =>
    itNeedsService(
      'applies the access matrix on PostgreSQL',
      'PostgreSQL',
      'postgres://127.0.0.1:5432',
      problem,
    ));
} else {
  describeAccess('PostgreSQL', async () => {
    const database: TestDatabase = await createDatabase();
    return { settings: { databaseUrl: database.url.href }, drop: () => database.drop() };
  });
}

function describeAccess(
  name: string,
  setup: () => Promise<{ settings: Record<string, string>; drop: () => Promise<void> }>,
): void {
  describe(`access control with API keys (${name})`, () => {
    let server: TestServer;
    let drop: () => Promise<void>;
    let alice: string;
    let bob: string;
    let admin: string;
    let revoked: string;
    let batchId: string;
    let token: string;
    let otherToken: string;
    let operations: Operation[];

    before(async () => {
      const made = await setup();
      drop = made.drop;
      // The matrix sends many refused credentials from one address: the abuse limits that
      // would answer them 429 are rate-limits.test.ts's.
      server = await startTestServer({ ...made.settings, authFailureLimit: 0 });
      const store = server.filemill.store;
      alice = await createKey(store, 'alice');
      bob = await createKey(store, 'bob');
      admin = await createKey(store, 'root', { admin: true });
      revoked = await createKey(store, 'gone');
      await store.revokeApiKey('gone', Date.now());
      const submit = async (key: string) => {
        const response = await fetch(`${server.url}/api/batches`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: form([{ name: 'secret-plans.txt', data: 'plans' }], { processor: 'copy' }),
        });
        assert.equal(response.status, 202);
        return (await response.json()) as { id: string; token: string };
      };
      ({ id: batchId, token } = await submit(alice));
      ({ token: otherToken } = await submit(bob));
      await waitForBatch(`${server.url}`, `${batchId}?token=${token}`);
      operations = await documentedOperations(server.url, alice);
    });
    after(async () => {
      await server?.close();
      await drop?.();
    });

    const isBatchRoute = (op: Operation): boolean => op.path.includes('{id}');
    const isWrite = (op: Operation): boolean => op.method !== 'GET';
    /** A share token reads its own batch and server facts; it lists, submits and writes nothing. */
    const tokenAnswer =
      (own: boolean) =>
      (op: Operation): Expectation => {
        if (isWrite(op) || op.path === '/api/batches') return 403;
        if (isBatchRoute(op)) return own ? 200 : 'as-missing';
        return 200;
      };

    /** The contract's answer for each kind of caller that is not the batch's owner. */
    const callers: [string, () => Credential, (op: Operation) => Expectation][] = [
      ['no credential', () => ({ name: 'none' }), () => 401],
      ['a wrong key', () => ({ name: 'wrong', header: newApiKeySecret().key }), () => 401],
      ['a revoked key', () => ({ name: 'revoked', header: revoked }), () => 401],
      [
        "another tenant's key",
        () => ({ name: 'bob', header: bob }),
        (op) => (isBatchRoute(op) ? 'as-missing' : op.method === 'POST' ? 202 : 200),
      ],
      ["this batch's token", () => ({ name: 'token', header: token }), tokenAnswer(true)],
      ["this batch's token as ?token=", () => ({ name: 'token-query', query: token }), tokenAnswer(true)],
      ["another batch's token", () => ({ name: 'other-token', header: otherToken }), tokenAnswer(false)],
    ];

    for (const [title, credential, expected] of callers) {
      it(`answers ${title} as the contract says on every documented operation`, async () => {
        assert.ok(operations.length >= 12, `only ${operations.length} operations documented`);
        const cells: string[] = [];
        for (const op of operations) {
          const want = expected(op);
          const got = await call(server.url, op, batchId, credential());
          if (want === 'as-missing') {
            const missing = await call(server.url, op, MISSING_ID, credential());
            assert.equal(got.status, 404, `${op.method} ${op.path}: ${got.text}`);
            assert.equal(got.text.replaceAll(batchId, MISSING_ID), missing.text, `${op.method} ${op.path}`);
          } else {
            assert.equal(got.status, want, `${op.method} ${op.path}: ${got.text}`);
          }
          if (got.status >= 400) {
            assert.doesNotMatch(got.text, /secret-plans/, `${op.method} ${op.path} names a file`);
            assert.match(got.text, /^\{"error":\{"code":"[A-Z_]+","message":"[^"]+"/);
          }
          cells.push(`${op.method} ${op.path} → ${got.status}`);
        }
        assert.equal(cells.length, operations.length);
      });
    }

    it('documents the credentials and the 401, 403 and 429 answers of every operation', async () => {
      const response = await fetch(`${server.url}/api/openapi.json`, {
        headers: { authorization: `Bearer ${alice}` },
      });
      const document = (await response.json()) as any;
      assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['apiKey', 'shareToken']);
      assert.equal(document.components.securitySchemes.apiKey.scheme, 'bearer');
      assert.deepEqual(document.security, [{ apiKey: [] }, { shareToken: [] }, {}]);
      for (const op of operations) {
        const responses = document.paths[op.path][op.method.toLowerCase()].responses;
        for (const status of ['401', '403', '429'])
          assert.ok(responses[status], `${op.method} ${op.path} ${status}`);
      }
    });

    it('answers 401 with WWW-Authenticate: Bearer', async () => {
      const response = await fetch(`${server.url}/api/batches`);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'UNAUTHORIZED');
    });

    it("lists only a key's own batches, and every batch for an admin key", async () => {
      const list = async (key: string) => {
        const response = await fetch(`${server.url}/api/batches`, {
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(response.status, 200);
        return ((await response.json()) as { items: { id: string }[] }).items.map((b) => b.id);
      };
      assert.ok((await list(alice)).includes(batchId));
      assert.ok(!(await list(bob)).includes(batchId));
      assert.ok((await list(admin)).includes(batchId));
    });

    it('lets the owner and an admin read the batch', async () => {
      for (const key of [alice, admin]) {
        const response = await fetch(`${server.url}/api/batches/${batchId}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(response.status, 200);
      }
    });

    it("refuses with 429 QUOTA_EXCEEDED past a key's own limits, keeping nothing of the refused upload", async () => {
      const store = server.filemill.store;
      const upload = async (key: string, data: string, fields: Record<string, string>) => {
        const response = await fetch(`${server.url}/api/batches`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: form([{ name: 'a.txt', data }], fields),
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      const one = await createKey(store, 'one-at-a-time', {
        limits: { maxConcurrentBatches: 1, maxBytesPerDay: null },
      });
      const slow = { processor: 'sleep', settings: '{"ms": 60000}' };
      assert.equal((await upload(one, 'a', slow)).status, 202);
      const second = await upload(one, 'b', slow);
      assert.equal(second.status, 429);
      assert.equal(second.body.error.code, 'QUOTA_EXCEEDED');

      const small = await createKey(store, 'ten-bytes', {
        limits: { maxConcurrentBatches: null, maxBytesPerDay: 10 },
      });
      assert.equal((await upload(small, '123456', { processor: 'copy' })).status, 202);
      const over = await upload(small, '123456', { processor: 'copy' });
      assert.equal(over.status, 429);
      assert.equal(over.body.error.code, 'QUOTA_EXCEEDED');
      assert.match(over.body.error.message, /10 bytes a day/);
      const listed = await fetch(`${server.url}/api/batches`, {
        headers: { authorization: `Bearer ${small}` },
      });
      assert.equal(((await listed.json()) as any).items.length, 1);
    });

    it('opens the WebSocket to the owner and the share token, and to nobody else', async () => {
      const ws = (query: string) =>
        readWs(`${server.url.replace('http', 'ws')}/api/batches/${batchId}/ws?${query}`);
      const refused = async (query: string) =>
        ws(query).then(
          () => 0,
          (error: { status?: number }) => error.status ?? -1,
        );
      for (const query of [`token=${token}`, `token=${alice}`, `token=${admin}`]) {
        const read = await ws(query);
        assert.equal(read.messages[0]?.type, 'snapshot', query);
        assert.equal(read.messages.at(-1)?.type, 'batch.completed');
        assert.equal(read.closeCode, 1000);
      }
      assert.equal(await refused(''), 401);
      assert.equal(await refused(`token=${bob}`), 404);
      assert.equal(await refused(`token=${otherToken}`), 404);
      assert.equal(await refused(`token=${revoked}`), 401);
    });

    it('ends an event stream opened with a share token when the token is replaced', async () => {
      const submitted = await fetch(`${server.url}/api/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}` },
        body: form([{ name: 'slow.txt', data: 'slow' }], { processor: 'sleep', settings: '{"ms": 60000}' }),
      });
      const { id, token: shared } = (await submitted.json()) as { id: string; token: string };
      const stream = await fetch(`${server.url}/api/batches/${id}/events?token=${shared}`, {
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(stream.status, 200);
      const replaced = await fetch(`${server.url}/api/batches/${id}/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}` },
      });
      assert.equal(replaced.status, 200);
      // The server ends the stream (a stream left open would be cut by the timeout and throw).
      const text = await stream.text();
      assert.match(text, /^: filemill events/);
      assert.doesNotMatch(text, /batch\.(completed|failed|cancelled)/);
      const again = await fetch(`${server.url}/api/batches/${id}/events?token=${shared}`);
      assert.equal(again.status, 404);
      await fetch(`${server.url}/api/batches/${id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}` },
      });
    });

    it('replaces the share token: the old one stops working at once, the new one reads', async () => {
      const replaced = await fetch(`${server.url}/api/batches/${batchId}/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}` },
      });
      assert.equal(replaced.status, 200);
      const { token: fresh } = (await replaced.json()) as { token: string };
      assert.notEqual(fresh, token);
      const read = (t: string) =>
        fetch(`${server.url}/api/batches/${batchId}?token=${t}`).then((r) => r.status);
      assert.equal(await read(token), 404);
      assert.equal(await read(fresh), 200);
      token = fresh;
    });
  });
}

describe('a WebSocket upgrade refused by the auth hook', () => {
  it('is answered and closed, so it does not hold the server open', async () => {
    const server = await startTestServer();
    await createKey(server.filemill.store, 'someone');
    const refused = await readWs(
      `${server.url.replace('http', 'ws')}/api/batches/${MISSING_ID}/ws`,
      5000,
    ).then(
      () => 0,
      (error: { status?: number }) => error.status ?? -1,
    );
    assert.equal(refused, 401);
    // Before the fix, the refused upgrade's socket stayed open and the close never ended.
    const closed = await Promise.race([
      server.close().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000).unref()),
    ]);
    assert.ok(closed, 'the server closed');
  });
});

describe('/metrics', () => {
  const scrape = (url: string, credential?: string) =>
    fetch(`${url}/metrics`, credential ? { headers: { authorization: `Bearer ${credential}` } } : {}).then(
      (r) => r.status,
    );

  it('is open while the server has no key and no metrics token (loopback only)', async () => {
    const server = await startTestServer();
    try {
      assert.equal(await scrape(server.url), 200);
    } finally {
      await server.close();
    }
  });

  it('needs an admin key or the metrics token once keys exist; another key is 403', async () => {
    const server = await startTestServer({ metricsToken: 'scrape-me-0123456789' });
    try {
      const admin = await createKey(server.filemill.store, 'ops', { admin: true });
      const user = await createKey(server.filemill.store, 'user');
      assert.equal(await scrape(server.url), 401);
      assert.equal(await scrape(server.url, 'scrape-me-0123456789'), 200);
      assert.equal(await scrape(server.url, 'scrape-me-wrong'), 401);
      assert.equal(await scrape(server.url, admin), 200);
      assert.equal(await scrape(server.url, user), 403);
    } finally {
      await server.close();
    }
  });

  it('needs the metrics token when one is set, even before any key exists', async () => {
    const server = await startTestServer({ metricsToken: 'scrape-me-0123456789' });
    try {
      assert.equal(await scrape(server.url), 401);
      assert.equal(await scrape(server.url, 'scrape-me-0123456789'), 200);
    } finally {
      await server.close();
    }
  });
});
