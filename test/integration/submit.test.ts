/**
 * `filemill submit` end to end, as a person runs it: the CLI as its own process, real
 * photos in a real folder tree, against a real server and with the engine embedded,
 * results unpacked into a real output folder; failures, limits, and Ctrl-C.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { filemill, startFilemillCli } from './support/cli.js';
import { photoJpeg, truncatedJpeg } from './support/images.js';
import {
  allFiles,
  getJson,
  listTree,
  startTestServer,
  waitForBatch,
  type TestServer,
} from './support/server.js';

let scratch: string;

/** Writes `files` (relative name → content) under a new folder and returns its path. */
async function folder(name: string, files: Record<string, Buffer | string>): Promise<string> {
  const root = join(scratch, name);
  for (const [relative, data] of Object.entries(files)) {
    await mkdir(dirname(join(root, relative)), { recursive: true });
    await writeFile(join(root, relative), data);
  }
  return root;
}

const outDir = (name: string) => join(scratch, `out-${name}`);

/** Reads the batch id the CLI prints when a batch is accepted (plain output, not a terminal). */
function acceptedIds(stdout: string): string[] {
  return [...stdout.matchAll(/^batch (b_\w+) accepted/gm)].map((m) => m[1]!);
}

/**
 * A pass-through HTTP proxy to `target` that keeps the token of every batch the server
 * accepts (the 202 body), to compare with what the CLI prints.
 */
async function tokenRecordingProxy(target: string) {
  const upstream = new URL(target);
  const tokens: string[] = [];
  const proxy = createServer((request, response) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode!, answer.headers);
        if (request.method === 'POST' && request.url === '/api/batches') {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => tokens.push(JSON.parse(Buffer.concat(chunks).toString()).token));
        }
        answer.pipe(response);
      },
    );
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    tokens,
    close() {
      proxy.closeAllConnections();
      proxy.close();
    },
  };
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'filemill-submit-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

describe('filemill submit against a server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ concurrency: 2 });
  });
  after(() => server.close());

  it('turns a folder of photos into WebP files in the same layout, shows progress and a summary, exits 0', async () => {
    const trip = await folder('trip', {
      'day1/a.jpg': await photoJpeg(1200, 900, 1),
      'day1/b.jpg': await photoJpeg(800, 600, 2),
      'day2/c.jpg': await photoJpeg(640, 480, 3),
      '.DS_Store': 'not a photo',
    });
    const out = outDir('trip');
    const result = await filemill(['submit', trip, '--preset', 'web', '--out', out, '--server', server.url]);
    assert.equal(result.code, 0, result.stderr + result.stdout);

    assert.deepEqual((await listTree(out)).sort(), [
      'day1/a.webp',
      'day1/b.webp',
      'day2/c.webp',
      'report.json',
    ]);
    const meta = await sharp(await readFile(join(out, 'day1/a.webp'))).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 1200);

    // Not a terminal: plain lines, one per finished file, then the table and the totals.
    assert.match(result.stdout, /^3 files, .* → image \(web\) in 1 batch$/m);
    assert.match(result.stdout, /^\[3\/3\] succeeded /m);
    assert.match(result.stdout, /^succeeded\s+day1\/a\.jpg\s+\S+ KiB\s+\S+ KiB\s+−\d+ %/m);
    assert.match(result.stdout, /^3 files in [\d.]+ m?s: 3 succeeded · .* → .* \(−\d+ %\)$/m);
    assert.doesNotMatch(result.stdout, /\x1b\[/, 'no terminal escapes when stdout is not a terminal');

    const [id] = acceptedIds(result.stdout);
    const batch = (await getJson(`${server.url}/api/batches/${id}`)).body;
    assert.equal(batch.status, 'completed');
    assert.equal(batch.preset, 'web');
    assert.equal(batch.totalFiles, 3, 'the hidden file was not sent');
  });

  it('exits 1 when a file fails, still writes the others, and reports why in --json', async () => {
    const mixed = await folder('mixed', {
      'good.jpg': await photoJpeg(320, 240, 4),
      'broken.jpg': await truncatedJpeg(),
    });
    const out = outDir('mixed');
    const result = await filemill(['submit', mixed, '--out', out, '--server', server.url, '--json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.batches.length, 1);
    assert.equal(report.batches[0].status, 'completed_with_errors');
    const broken = report.files.find((f: any) => f.name === 'broken.jpg');
    assert.equal(broken.status, 'failed');
    assert.equal(broken.error.code, 'CORRUPT_INPUT');
    assert.deepEqual((await listTree(out)).sort(), ['good.webp', 'report.json']);
  });

  it("prints doc-analyze's batch analysis after the table, and carries it in --json", async () => {
    const harbour =
      'The harbour master counted the fishing boats that came in with the evening tide. ' +
      'Every boat brought herring and mackerel to the market by the harbour wall, ' +
      'where the merchants weighed the catch and wrote the prices on a slate board. ';
    const docs = await folder('docs', {
      'a.txt': harbour.repeat(3),
      'notes/a-copy.md': harbour.repeat(3),
      'b.txt': 'The orchard behind the farmhouse gave apples, pears and plums every autumn. '.repeat(4),
    });
    const args = ['submit', docs, '--processor', 'doc-analyze', '--server', server.url];
    const result = await filemill([...args, '--out', outDir('docs')]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /^Document analysis: 3 documents · 0 pages · [\d,]+ words$/m);
    assert.match(result.stdout, /^languages: English \(eng\) 3$/m);
    assert.match(result.stdout, /^common terms: .*\(\d of 3\)/m);
    assert.match(result.stdout, /^ {2}(a\.txt ↔ notes\/a-copy\.md|notes\/a-copy\.md ↔ a\.txt) {2}100 %$/m);

    const json = await filemill([...args, '--out', outDir('docs-json'), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const { batches } = JSON.parse(json.stdout);
    assert.equal(batches[0].aggregate.documents, 3);
    assert.equal(batches[0].aggregate.nearDuplicates.length, 1);
  });

  it('refuses bad input before sending anything: unknown processor or preset, settings not JSON, no files', async () => {
    const some = await folder('some', { 'a.jpg': await photoJpeg(64, 64, 5) });
    const before = (await getJson(`${server.url}/api/batches?limit=100`)).body.items.length;
    const cases: [string[], RegExp][] = [
      [
        ['--processor', 'nope'],
        /^filemill: UNKNOWN_PROCESSOR: there is no processor "nope" \(there are: .*image/,
      ],
      [['--preset', 'tiny'], /^filemill: UNKNOWN_PRESET: image has no preset "tiny" \(it has: web, /],
      [['--settings', '{width'], /^filemill: INVALID_SETTINGS: --settings is not JSON/],
      [['--settings', '[1]'], /^filemill: INVALID_SETTINGS: --settings must be a JSON object/],
      [['--include', '*.png'], /^filemill: NO_FILES: nothing to submit in /],
    ];
    for (const [flags, message] of cases) {
      const result = await filemill([
        'submit',
        some,
        ...flags,
        '--out',
        outDir('bad'),
        '--server',
        server.url,
      ]);
      assert.equal(result.code, 1, flags.join(' '));
      assert.match(result.stderr, message);
    }
    const missing = await filemill(['submit', join(scratch, 'nowhere'), '--server', server.url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^filemill: NOT_FOUND: there is no file or folder .*nowhere\.\n$/);
    // The server's own checks answer in the same way.
    const invalid = await filemill(['submit', some, '--settings', '{"width": -5}', '--server', server.url]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^filemill: INVALID_SETTINGS: /);
    assert.equal((await getJson(`${server.url}/api/batches?limit=100`)).body.items.length, before);
  });

  it('cancels its batch on the server on Ctrl-C (SIGINT) and exits 130', async () => {
    const slow = await folder('slow', { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
    const cli = startFilemillCli([
      'submit',
      slow,
      '--processor',
      'sleep',
      '--settings',
      '{"ms": 60000}',
      '--out',
      outDir('slow'),
      '--server',
      server.url,
    ]);
    let id: string | undefined;
    while (!(id = acceptedIds(cli.stdout())[0])) await new Promise((resolve) => setTimeout(resolve, 25));
    await waitForBatch(server.url, id, (b) => b.counts.running > 0);
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    assert.equal(result.code, 130);
    assert.match(result.stderr, new RegExp(`^filemill: interrupted; cancelled ${id}\\n$`));
    const batch = await waitForBatch(server.url, id, undefined, 10_000);
    assert.equal(batch.status, 'cancelled');
    assert.ok((await allFiles(server.url, id)).every((f) => f.status === 'cancelled'));
  });

  it("prints each batch's share link, with the token the server returned, which opens the batch", async () => {
    const proxy = await tokenRecordingProxy(server.url);
    try {
      const shared = await folder('shared', { 'a.txt': 'alpha' });
      const args = ['submit', shared, '--processor', 'copy', '--server', proxy.url];
      const plain = await filemill([...args, '--out', outDir('shared')]);
      assert.equal(plain.code, 0, plain.stderr + plain.stdout);
      const json = await filemill([...args, '--out', outDir('shared-json'), '--json']);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(proxy.tokens.length, 2, 'one batch each');

      const [id] = acceptedIds(plain.stdout);
      const links = [...plain.stdout.matchAll(/^share \(read-only\): (.*)$/gm)].map((m) => m[1]);
      const [jsonBatch] = JSON.parse(json.stdout).batches;
      assert.deepEqual(links, [`${proxy.url}/batches/${id}?token=${encodeURIComponent(proxy.tokens[0]!)}`]);
      assert.equal(
        jsonBatch.shareUrl,
        `${proxy.url}/batches/${jsonBatch.id}?token=${encodeURIComponent(proxy.tokens[1]!)}`,
      );

      for (const link of [links[0]!, jsonBatch.shareUrl as string]) {
        const { pathname, searchParams } = new URL(link);
        const batchId = pathname.slice('/batches/'.length);
        const opened = await getJson(
          `${server.url}/api/batches/${batchId}?token=${encodeURIComponent(searchParams.get('token')!)}`,
        );
        assert.equal(opened.status, 200);
        assert.equal(opened.body.id, batchId);
      }
    } finally {
      proxy.close();
    }
  });
});

describe('filemill submit over the server limits', () => {
  let server: TestServer;
  before(async () => {
    // One event stream per address: the CLI follows its batches one at a time.
    server = await startTestServer({
      concurrency: 1,
      maxFilesPerBatch: 2,
      maxFileBytes: 100,
      maxStreamsPerIp: 1,
    });
  });
  after(() => server.close());

  it('splits the files into batches of the server limit and skips a file too large to send', async () => {
    const many = await folder('many', {
      'a/1.txt': 'one',
      'a/2.txt': 'two',
      'b/3.txt': 'three',
      'b/4.txt': 'four',
      'c/5.txt': 'five',
      'huge.txt': 'x'.repeat(101),
    });
    const out = outDir('many');
    const result = await filemill([
      'submit',
      many,
      '--processor',
      'copy',
      '--out',
      out,
      '--server',
      server.url,
      '--json',
    ]);
    assert.equal(result.code, 1, 'a skipped file is not a success');
    const report = JSON.parse(result.stdout);
    assert.equal(report.batches.length, 3);
    assert.deepEqual(
      report.batches.map((b: any) => b.totalFiles),
      [2, 2, 1],
    );
    assert.ok(report.batches.every((b: any) => b.status === 'completed'));
    const huge = report.files.find((f: any) => f.name === 'huge.txt');
    assert.equal(huge.status, 'skipped');
    assert.equal(huge.error.code, 'FILE_TOO_LARGE');

    const reports = report.batches.map((b: any) => `report-${b.id}.json`).sort();
    assert.deepEqual((await listTree(out)).sort(), [
      'a/1.txt',
      'a/2.txt',
      'b/3.txt',
      'b/4.txt',
      'c/5.txt',
      ...reports,
    ]);
    assert.equal(await readFile(join(out, 'b/3.txt'), 'utf8'), 'three');
  });
});

/** The embedded engine's data folders in `temp` (tsx keeps a cache of its own there). */
async function dataFolders(temp: string): Promise<string[]> {
  return (await readdir(temp)).filter((name) => name.startsWith('filemill-'));
}

describe('filemill submit when the server fails midway', () => {
  it('stops following, says which batches are still on the server, and exits 1', async () => {
    // A stand-in server: the first batch is accepted and never ends, the second upload fails.
    let uploads = 0;
    const fake = createServer((request, response) => {
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (request.url === '/api/processors') {
        return json(200, [{ name: 'copy', presets: [{ name: 'default' }], defaultPreset: 'default' }]);
      }
      if (request.url === '/api/limits')
        return json(200, { maxFiles: 1, maxFileBytes: 100, maxBatchBytes: 1000 });
      if (request.url === '/api/batches' && request.method === 'POST') {
        request.resume();
        request.on('end', () =>
          ++uploads === 1
            ? json(202, { id: 'b_first', status: 'queued', totalFiles: 1 })
            : json(500, { error: { code: 'INTERNAL', message: 'The server failed.' } }),
        );
        return;
      }
      if (request.url === '/api/batches/b_first/events') {
        response.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n');
        return; // and never ends
      }
      json(404, { error: { code: 'NOT_FOUND', message: 'No.' } });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      const two = await folder('two', { 'a.txt': 'a', 'b.txt': 'b' });
      const result = await filemill([
        'submit',
        two,
        '--processor',
        'copy',
        '--out',
        outDir('two'),
        '--server',
        url,
      ]);
      assert.equal(result.code, 1);
      assert.equal(uploads, 2);
      assert.match(result.stderr, /^filemill: what was sent goes on on the server: b_first /m);
      assert.match(result.stderr, /^filemill: INTERNAL: The server failed\.$/m);
    } finally {
      fake.closeAllConnections();
      fake.close();
    }
  });
});

describe('filemill submit with no server', () => {
  it('runs the engine in its own process, writes the results, and leaves no data behind', async () => {
    const temp = await mkdtemp(join(scratch, 'tmp-'));
    const photos = await folder('embedded', {
      'x/one.jpg': await photoJpeg(900, 600, 6),
      'two.jpg': await photoJpeg(600, 900, 7),
    });
    const out = outDir('embedded');
    const result = await filemill(['submit', photos, '--preset', 'thumbnail', '--out', out], {
      FILEMILL_CONCURRENCY: '1',
      TMPDIR: temp,
    });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /in 1 batch, run in this process$/m);
    assert.doesNotMatch(result.stdout, /share/, 'no share link to a server that is gone at the end');
    assert.deepEqual((await listTree(out)).sort(), ['report.json', 'two.webp', 'x/one.webp']);
    const meta = await sharp(await readFile(join(out, 'x/one.webp'))).metadata();
    assert.ok(Math.max(meta.width!, meta.height!) <= 320, `a thumbnail, not ${meta.width}×${meta.height}`);
    assert.deepEqual(await dataFolders(temp), [], 'the temporary data folder is removed');

    const slow = startFilemillCli(
      [
        'submit',
        photos,
        '--processor',
        'sleep',
        '--settings',
        '{"ms": 60000}',
        '--out',
        outDir('embedded-slow'),
      ],
      { FILEMILL_CONCURRENCY: '1', TMPDIR: temp },
    );
    while (acceptedIds(slow.stdout()).length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    slow.child.kill('SIGINT');
    const interrupted = await slow.exited;
    assert.equal(interrupted.code, 130);
    assert.match(interrupted.stderr, /^filemill: interrupted; cancelled b_\w+\n$/);
    assert.deepEqual(await dataFolders(temp), [], 'removed after Ctrl-C too');
  });

  it('goes on to the end when its reader goes away (`| head`), without a stack trace', async () => {
    const photos = await folder('closed-reader', { 'a.jpg': await photoJpeg(300, 200, 8) });
    const out = outDir('closed-reader');
    const run = startFilemillCli(['submit', photos, '--out', out], { FILEMILL_CONCURRENCY: '1' });
    run.child.stdout!.destroy();
    const result = await run.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual((await listTree(out)).sort(), ['a.webp', 'report.json']);
  });
});
