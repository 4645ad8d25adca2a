/**
 * The build as it ships — `bin/filemill.js` over dist/, whose imports of Fastify and its
 * plugins, Ajv, prom-client, file-type, csv-stringify, yazl, Kysely and TypeBox point at the
 * bundles in dist/vendor (scripts/vendor.ts) — serving a batch end to end and running
 * `filemill submit` without a server. Every other test runs the sources, which import the
 * packages from node_modules: a package that breaks when bundled is caught here. It reads the
 * build `npm install` (or `npm run build`) made, and fails when src/ changed after it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filemill } from './support/cli.js';
import { exited, serveProcess, waitFor, type ServedProcess } from './support/faults.js';
import { photoJpeg } from './support/images.js';
import { getJson, submit, waitForBatch } from './support/server.js';
import { readZip } from './support/zip.js';

const BUILD = new URL('../../dist/vendor/fastify.js', import.meta.url);
const SOURCES = fileURLToPath(new URL('../../src', import.meta.url));
const ORIGIN = 'https://app.example.com';
/** Uploads a minute: the test's one batch, one refused for want of files, then a 429. */
const SUBMIT_LIMIT = 2;

/** The files under `dir` changed after `mtimeMs`, relative to it. */
async function newerThan(dir: string, mtimeMs: number): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const times = await Promise.all(files.map(async (file) => [file, (await stat(file)).mtimeMs] as const));
  return times.filter(([, time]) => time > mtimeMs).map(([file]) => file.slice(dir.length + 1));
}

describe('the build as it ships', () => {
  let dir: string;
  let server: ServedProcess;

  before(async () => {
    assert.ok(existsSync(BUILD), 'dist/ has no vendored bundles: run `npm run build` first');
    const stale = await newerThan(SOURCES, statSync(BUILD).mtimeMs);
    assert.deepEqual(stale, [], 'src/ changed after the build this test runs: run `npm run build` first');
    dir = await mkdtemp(join(tmpdir(), 'filemill-built-'));
    server = await serveProcess({
      dataDir: join(dir, 'data'),
      concurrency: 1,
      built: true,
      env: { FILEMILL_CORS_ORIGINS: ORIGIN, FILEMILL_SUBMIT_RATE_LIMIT: String(SUBMIT_LIMIT) },
    });
    await waitFor('the server is ready', async () => (await fetch(`${server.url}/readyz`)).status === 200);
  });

  after(async () => {
    if (server) {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a batch: validation, sniffing, processing, report, ZIP, metrics and headers', async () => {
    // Ajv's validators: a malformed id is refused with the contract's error.
    const badId = await getJson(`${server.url}/api/batches/not%20an%20id`);
    assert.ok(badId.status >= 400 && badId.status < 500, JSON.stringify(badId));
    assert.equal(typeof badId.body.error.code, 'string');

    // fast-json-stringify's serializers.
    const processors = await getJson(`${server.url}/api/processors`);
    assert.equal(processors.status, 200);
    assert.ok(processors.body.some((p: { name: string }) => p.name === 'image'));

    // Multipart in, file-type's sniffing (a JPEG named .png is still a JPEG), sharp in a worker.
    const photo = await photoJpeg(640, 480);
    const accepted = await submit(server.url, [{ name: 'photo.png', data: photo }], {
      processor: 'image',
      preset: 'web',
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const batch = await waitForBatch(server.url, accepted.body.id);
    assert.equal(batch.status, 'completed', JSON.stringify(batch));

    // csv-stringify's report and yazl's ZIP.
    const csv = await (await fetch(`${server.url}/api/batches/${batch.id}/report.csv`)).text();
    assert.match(csv.split('\n')[1]!, /photo\.png/);
    // yazl with Node's CRC-32 in place of buffer-crc32's (readZip checks every entry's).
    const zip = await readZip(
      Buffer.from(await (await fetch(`${server.url}/api/batches/${batch.id}/results.zip`)).arrayBuffer()),
    );
    const yazl = await readFile(new URL('../../dist/vendor/yazl.js', import.meta.url), 'utf8');
    assert.match(yazl, /__require\("node:zlib"\)/);
    assert.doesNotMatch(yazl, /CRC_TABLE/, "buffer-crc32's table is not bundled");
    assert.ok(
      [...zip.keys()].some((name) => name.endsWith('.webp')),
      [...zip.keys()].join(', '),
    );

    // prom-client's exposition; helmet's and CORS's headers.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^filemill_/m);
    const response = await fetch(`${server.url}/api/processors`, { headers: { origin: ORIGIN } });
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);

    // @fastify/rate-limit's counters: uploads past the limit are refused (reads are not
    // counted with them, so the polling above cannot reach it first).
    const empty = await fetch(`${server.url}/api/batches`, { method: 'POST', body: new FormData() });
    assert.equal(empty.status, 400);
    const answer = await fetch(`${server.url}/api/batches`, { method: 'POST', body: new FormData() });
    const limited = { status: answer.status, body: (await answer.json()) as any };
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'RATE_LIMITED');
  });

  it('runs filemill submit without a server', async () => {
    const input = join(dir, 'photos');
    await mkdir(input);
    await writeFile(join(input, 'a.jpg'), await photoJpeg(320, 240));
    const out = join(dir, 'out');
    const run = await filemill(['submit', input, '--out', out], {}, 'built');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((await readdir(out)).sort(), ['a.webp', 'report.json']);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.equal(report.summary.succeeded, 1);
  });
});
