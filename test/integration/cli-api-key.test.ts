/**
 * The CLI's side of API keys (issue 14, item 8), against a stand-in server: a real HTTP
 * server that answers the API's routes for one batch, records the `Authorization` header of
 * every request (JSON reads, the upload, the event stream, an output, the ZIP, the writes) and refuses
 * with 401 or 403 when told to. The CLI runs as its own process, as a person runs it.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { filemill, type CliResult } from './support/cli.js';

const ID = 'b_000000000fake00000000000';
const TOKEN = 'tok-of/the+batch=';
const KEY = 'fm_TheKeyThatMustNeverBePrinted0123456789abc';
const ENV_KEY = 'fm_TheKeyFromTheEnvironment0123456789abcdef';

const NEEDS_KEY =
  'filemill: UNAUTHORIZED: the server needs an API key: pass --api-key or set FILEMILL_API_KEY\n';
const KEY_REFUSED = 'filemill: UNAUTHORIZED: the API key was refused (wrong or revoked)\n';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** How the stand-in refuses: `status` on every path matching `path`. */
interface Refusal {
  status: 401 | 403;
  path: RegExp;
  message?: string;
}

const at = '2026-01-01T00:00:00.000Z';
const counts = { queued: 0, running: 0, retrying: 0, succeeded: 1, failed: 0, cancelled: 0 };
const batch = {
  id: ID,
  status: 'completed',
  processor: 'copy',
  preset: null,
  settings: {},
  totalFiles: 1,
  counts,
  progress: 100,
  etaMs: null,
  inputBytes: 5,
  outputBytes: 5,
  createdAt: at,
  startedAt: at,
  finishedAt: at,
};
const file = {
  index: 0,
  name: 'a.txt',
  status: 'succeeded',
  progress: 100,
  attempts: 1,
  contentType: 'text/plain',
  inputBytes: 5,
  outputBytes: 5,
  outputName: 'a.txt',
  outputType: 'text/plain',
  cpuMs: null,
  durationMs: 3,
  error: null,
  details: null,
  node: null,
  startedAt: at,
  finishedAt: at,
};
const events = [
  {
    seq: 1,
    type: 'file.succeeded',
    file: { index: 0, name: 'a.txt', status: 'succeeded', progress: 100, outputName: 'a.txt' },
  },
  { seq: 2, type: 'batch.completed' },
].map((e) => ({ ...e, batchId: ID, at, status: 'completed', counts, progress: 100, etaMs: null }));

async function zipOf(entries: Record<string, string>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, data] of Object.entries(entries)) zip.addBuffer(Buffer.from(data), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The stand-in: one batch, every route the CLI uses, and what each request carried. */
function answer(zip: Buffer, refusal: Refusal | null, request: IncomingMessage, response: ServerResponse) {
  const json = (status: number, body: unknown) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const path = new URL(request.url!, 'http://fake').pathname;
  const method = request.method!;
  if (refusal && refusal.path.test(path)) {
    request.resume();
    const headers = refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
    const code = refusal.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN';
    response.writeHead(refusal.status, { 'content-type': 'application/json', ...headers });
    return response.end(JSON.stringify({ error: { code, message: refusal.message ?? 'No.' } }));
  }
  if (path === '/api/processors')
    return json(200, [{ name: 'copy', presets: [{ name: 'default' }], defaultPreset: 'default' }]);
  if (path === '/api/limits') return json(200, { maxFiles: 100, maxFileBytes: 1e6, maxBatchBytes: 1e7 });
  if (path === '/api/batches' && method === 'POST') {
    request.resume();
    request.on('end', () => json(202, { id: ID, status: 'queued', totalFiles: 1, token: TOKEN }));
    return;
  }
  if (path === '/api/batches') return json(200, { items: [batch], nextCursor: null });
  if (path === `/api/batches/${ID}`) return json(200, batch);
  if (path === `/api/batches/${ID}/files`) return json(200, { items: [file], nextCursor: null });
  if (path === `/api/batches/${ID}/report.json`) return json(200, { batch, summary: {}, files: [file] });
  if (path === `/api/batches/${ID}/files/0/output`) {
    return response.writeHead(200, { 'content-type': 'text/plain' }).end('alpha');
  }
  if (path === `/api/batches/${ID}/results.zip`) {
    return response.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
  }
  if (path === `/api/batches/${ID}/events`) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of events) response.write(`id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`);
    return response.end();
  }
  if (method === 'POST' && /^\/api\/batches\/[^/]+(\/files\/\d+)?\/(cancel|retry)$/.test(path)) {
    request.resume();
    return request.on('end', () => json(200, batch));
  }
  json(404, { error: { code: 'NOT_FOUND', message: `No route ${method} ${path} here.` } });
}

/** What kind of request this was, to check that each kind carried the key. */
function kind({ method, url }: Seen): string {
  if (method === 'POST' && url === '/api/batches') return 'upload';
  if (url.endsWith('/events')) return 'event stream';
  if (url.endsWith('/results.zip')) return 'ZIP';
  if (url.endsWith('/output')) return 'output';
  return method === 'GET' ? 'JSON read' : 'JSON write';
}

describe('filemill with an API key, against a stand-in server', () => {
  let scratch: string;
  let input: string;
  let url: string;
  let seen: Seen[] = [];
  let refusal: Refusal | null = null;
  let close: () => void;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'filemill-cli-key-'));
    input = join(scratch, 'in');
    await mkdir(input);
    await writeFile(join(input, 'a.txt'), 'alpha');
    const zip = await zipOf({ 'a.txt': 'alpha', 'report.json': '{}' });
    const server = createServer((request, response) => {
      seen.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization });
      answer(zip, refusal, request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => {
      server.closeAllConnections();
      server.close();
    };
  });
  after(async () => {
    close();
    await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen = [];
    refusal = null;
  });

  const out = (name: string) => join(scratch, `out-${name}`);
  /** Every command that talks to a server, each with `extra` arguments. */
  const everyCommand = (extra: string[]) => [
    ['submit', input, '--processor', 'copy', '--out', out('submit'), '--server', url, ...extra],
    ['ls', '--server', url, ...extra],
    ['status', ID, '--server', url, ...extra],
    ['status', ID, '--watch', '--server', url, ...extra],
    ['cancel', ID, '--server', url, ...extra],
    ['cancel', ID, '--file', '0', '--server', url, ...extra],
    ['retry', ID, '--server', url, ...extra],
    ['download', ID, '--out', out('download'), '--server', url, ...extra],
  ];

  function assertSucceeded(results: CliResult[]): void {
    for (const r of results) assert.equal(r.code, 0, r.stderr + r.stdout);
  }

  function assertNoKeyPrinted(results: CliResult[], ...keys: string[]): void {
    for (const r of results) {
      for (const key of keys) {
        assert.ok(!r.stdout.includes(key), `the key is not in stdout:\n${r.stdout}`);
        assert.ok(!r.stderr.includes(key), `the key is not in stderr:\n${r.stderr}`);
      }
    }
  }

  it('sends --api-key as a Bearer header on every request of every command: reads, upload, events, outputs, ZIP, writes', async () => {
    const results = await Promise.all(everyCommand(['--api-key', KEY]).map((args) => filemill(args)));
    assertSucceeded(results);
    assert.deepEqual(
      [...new Set(seen.map(kind))].sort(),
      ['JSON read', 'JSON write', 'ZIP', 'event stream', 'output', 'upload'],
      'every kind of request was made',
    );
    for (const request of seen) {
      assert.equal(request.authorization, `Bearer ${KEY}`, `${request.method} ${request.url}`);
      assert.ok(!request.url.includes(KEY), `the key is not in the URL ${request.url}`);
    }
    assertNoKeyPrinted(results, KEY);
  });

  it('takes the key from FILEMILL_API_KEY, and --api-key over it', async () => {
    const env = { FILEMILL_API_KEY: ENV_KEY };
    const submitted = await filemill(everyCommand([])[0]!, env);
    assertSucceeded([submitted]);
    assert.deepEqual([...new Set(seen.map(kind))].sort(), ['JSON read', 'event stream', 'output', 'upload']);
    for (const request of seen) assert.equal(request.authorization, `Bearer ${ENV_KEY}`, request.url);

    seen = [];
    const listed = await filemill(['ls', '--server', url, '--api-key', KEY], env);
    assertSucceeded([listed]);
    assert.deepEqual(
      seen.map((r) => r.authorization),
      [`Bearer ${KEY}`],
    );
    assertNoKeyPrinted([submitted, listed], KEY, ENV_KEY);
  });

  it('sends no Authorization header when neither --api-key nor FILEMILL_API_KEY is set', async () => {
    const results = await Promise.all(everyCommand([]).map((args) => filemill(args)));
    assertSucceeded(results);
    assert.equal(new Set(seen.map(kind)).size, 6, 'every kind of request was made');
    for (const request of seen) assert.equal(request.authorization, undefined, request.url);
  });

  it("prints the batch's read-only share link once accepted, and gives it as shareUrl in --json", async () => {
    const link = `${url}/batches/${ID}?token=${encodeURIComponent(TOKEN)}`;
    const [plain, json] = await Promise.all([
      filemill(everyCommand(['--api-key', KEY])[0]!),
      filemill([
        'submit',
        input,
        '--processor',
        'copy',
        '--out',
        out('json'),
        '--server',
        url,
        '--api-key',
        KEY,
        '--json',
      ]),
    ]);
    assertSucceeded([plain, json]);
    const lines = plain.stdout.split('\n');
    const accepted = lines.indexOf(`batch ${ID} accepted: 1 file`);
    assert.ok(accepted >= 0, plain.stdout);
    assert.equal(lines[accepted + 1], `share (read-only): ${link}`);
    assert.equal(lines.filter((l) => l.startsWith('share')).length, 1, 'printed once');
    assert.equal(JSON.parse(json.stdout).batches[0].shareUrl, link);
  });

  it('turns a 401 into one line saying whether a key is missing or refused, and exits 1', async () => {
    refusal = { status: 401, path: /^\/api\// };
    const [bare, keyed, submitted] = await Promise.all([
      filemill(['ls', '--server', url]),
      filemill(['cancel', ID, '--server', url, '--api-key', KEY]),
      filemill(['submit', input, '--out', out('401'), '--server', url]),
    ]);
    assert.deepEqual([bare.code, bare.stderr], [1, NEEDS_KEY]);
    assert.deepEqual([keyed.code, keyed.stderr], [1, KEY_REFUSED]);
    assert.deepEqual([submitted.code, submitted.stderr], [1, NEEDS_KEY]);
    assertNoKeyPrinted([bare, keyed, submitted], KEY);

    // On the event stream too: refused once, not retried for a minute.
    seen = [];
    refusal = { status: 401, path: /\/events$/ };
    const watched = await filemill(['status', ID, '--watch', '--server', url, '--api-key', KEY]);
    assert.deepEqual([watched.code, watched.stderr], [1, KEY_REFUSED]);
    assert.equal(seen.filter((r) => kind(r) === 'event stream').length, 1);
  });

  it("turns a 403 into one line with the server's message, the key masked if the server echoes it, and exits 1", async () => {
    refusal = { status: 403, path: /\/cancel$/, message: `Bearer ${KEY} may only read;\nnot cancel.` };
    const refused = await filemill(['cancel', ID, '--server', url, '--api-key', KEY]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'filemill: FORBIDDEN: Bearer [API key] may only read; not cancel.\n');
    assertNoKeyPrinted([refused], KEY);
  });

  it('refuses a key with a space or a line break before sending anything, without printing it', async () => {
    const spaced = 'fm_abc def';
    const broken = 'fm_abc\r\nX-Other: 1';
    const [flag, env] = await Promise.all([
      filemill(['ls', '--server', url, '--api-key', spaced]),
      filemill(['ls', '--server', url], { FILEMILL_API_KEY: broken }),
    ]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /^filemill: INVALID_API_KEY: the key in --api-key has a space /);
    assert.equal(env.code, 2);
    assert.match(env.stderr, /^filemill: INVALID_API_KEY: the key in FILEMILL_API_KEY has a space /);
    assertNoKeyPrinted([flag, env], spaced, 'fm_abc');
    assert.deepEqual(seen, [], 'nothing was sent');
  });
});
