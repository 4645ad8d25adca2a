/**
 * Every truncation of a real multipart upload: cut byte by byte at and around each boundary
 * and part header (and at a sample of places inside the files), sent either as a complete
 * HTTP body that ends too soon or as a body that stops with the connection closed. Each is
 * refused with a 4xx or just sees its connection close; nothing of any of them is kept; the
 * server keeps serving. The server runs in this process, so an error it fails to handle ends
 * the test run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, listTree, startTestServer, type TestServer } from './support/server.js';
import { photoJpeg } from './support/images.js';
import { rawRequest, type RawAnswer } from './support/raw-http.js';

const BOUNDARY = 'fuzzB0undary7';
/** Bytes cut before and after each boundary and part header. */
const AROUND = 8;
/** Cuts inside the file bytes, spread evenly. */
const INSIDE_SAMPLES = 24;
/** Requests in flight at once. */
const PARALLEL = 4;

interface Body {
  bytes: Buffer;
  /** Cut positions, ascending; each leaves the body incomplete. */
  cuts: number[];
}

function multipartBody(jpeg: Buffer): Body {
  const part = (headers: string, data: Buffer | string): Buffer =>
    Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`),
      Buffer.from(data),
      Buffer.from('\r\n'),
    ]);
  const bytes = Buffer.concat([
    part('Content-Disposition: form-data; name="processor"', 'image'),
    part('Content-Disposition: form-data; name="settings"', '{"quality": 80}'),
    part(
      'Content-Disposition: form-data; name="files"; filename="trip/a.jpg"\r\nContent-Type: image/jpeg',
      jpeg,
    ),
    part(
      'Content-Disposition: form-data; name="files"; filename="notes.txt"\r\nContent-Type: text/plain',
      'not an image, refused per file\n'.repeat(40),
    ),
    Buffer.from(`--${BOUNDARY}--\r\n`),
  ]);
  // A body is complete once its closing delimiter is: cuts stop before its last byte.
  const complete = bytes.lastIndexOf(`--${BOUNDARY}--`) + BOUNDARY.length + 4;
  const cuts = new Set<number>();
  const add = (from: number, to: number): void => {
    for (let at = Math.max(0, from); at <= Math.min(to, complete - 1); at++) cuts.add(at);
  };
  for (let at = bytes.indexOf(`--${BOUNDARY}`); at >= 0; at = bytes.indexOf(`--${BOUNDARY}`, at + 1)) {
    // From before the CRLF that opens the delimiter to past the blank line that ends the
    // part's headers (the closing delimiter has none: to its end).
    const headersEnd = bytes.indexOf('\r\n\r\n', at);
    const closing = bytes.indexOf(`--${BOUNDARY}--`, at) === at;
    add(at - 2 - AROUND, (closing ? complete : headersEnd + 4) + AROUND);
  }
  for (let i = 1; i <= INSIDE_SAMPLES; i++) {
    const at = Math.floor((complete * i) / (INSIDE_SAMPLES + 1));
    add(at, at);
  }
  return { bytes, cuts: [...cuts].sort((a, b) => a - b) };
}

function head(url: string, contentLength: number): string {
  const { host } = new URL(url);
  return [
    'POST /api/batches HTTP/1.1',
    `Host: ${host}`,
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
    `Content-Length: ${contentLength}`,
    'Connection: close',
  ].join('\r\n');
}

/** Runs `task` on every item, `limit` at a time. */
async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('truncated uploads', () => {
  let server: TestServer;
  let body: Body;
  before(async () => {
    // Hundreds of uploads a second from one address: the abuse limits are another test's.
    server = await startTestServer({ concurrency: 1, submitRateLimit: 0, authFailureLimit: 0 });
    body = multipartBody(await photoJpeg(160, 120));
  });
  after(() => server.close());

  async function storedBlobs(): Promise<string[]> {
    return (await listTree(server.dataDir)).filter((p) => p.startsWith('blobs/'));
  }

  /** The server cleans up a refused upload after it answers: waits for it, within a bound. */
  async function assertNothingLeft(): Promise<void> {
    for (let tries = 0; tries < 100 && (await storedBlobs()).length > 0; tries++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await storedBlobs(), [], 'no stored byte');
    assert.deepEqual((await getJson(`${server.url}/api/batches`)).body.items, [], 'no batch row');
  }

  function assertRefusal(answer: RawAnswer, cut: number): void {
    assert.ok(
      answer.status !== null && answer.status >= 400 && answer.status < 500,
      `cut at ${cut}: ${answer.status}`,
    );
    const error = JSON.parse(answer.body).error;
    assert.match(error.code, /^[A-Z_]+$/, `cut at ${cut}`);
    assert.ok(!error.message.includes('/tmp'), `cut at ${cut}: ${error.message}`);
  }

  it('cuts at every byte around the boundaries and part headers, and inside the files', () => {
    // The cut list itself: every delimiter and header covered, plus samples in the data.
    assert.ok(body.cuts.length > 400, `${body.cuts.length} cuts`);
    assert.equal(body.cuts[0], 0);
    assert.ok(body.cuts.at(-1)! < body.bytes.length - 2);
  });

  it('refuses every body that ends before its closing boundary with 400', async () => {
    const answers = await inParallel(body.cuts, PARALLEL, (cut) =>
      rawRequest(server.url, head(server.url, cut), body.bytes.subarray(0, cut)),
    );
    const codes = new Map<string, number>();
    answers.forEach((answer, i) => {
      assertRefusal(answer, body.cuts[i]!);
      assert.equal(answer.status, 400, `cut at ${body.cuts[i]}: ${answer.body}`);
      const code = JSON.parse(answer.body).error.code as string;
      codes.set(code, (codes.get(code) ?? 0) + 1);
    });
    assert.deepEqual([...codes.keys()].sort(), ['INVALID_REQUEST', 'NO_FILES']);
    await assertNothingLeft();
  });

  it('answers 4xx or closes when the client stops sending and closes its side', async () => {
    const answers = await inParallel(body.cuts, PARALLEL, (cut) =>
      rawRequest(server.url, head(server.url, body.bytes.length), body.bytes.subarray(0, cut), {
        endAfterBody: true,
      }),
    );
    answers.forEach((answer, i) => {
      if (answer.status !== null) assertRefusal(answer, body.cuts[i]!);
    });
    await assertNothingLeft();
  });

  it('keeps serving: the whole body afterwards is accepted', async () => {
    const answer = await rawRequest(server.url, head(server.url, body.bytes.length), body.bytes);
    assert.equal(answer.status, 202, answer.body);
    assert.equal(JSON.parse(answer.body).totalFiles, 2);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
  });
});
