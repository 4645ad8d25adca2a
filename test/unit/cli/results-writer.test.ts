/**
 * The CLI's results writer against a stand-in server (a real HTTP server answering the one
 * output route): outputs written while the batch runs, what no event named or what failed to
 * come fetched at the end, names kept inside the folder and unique across a run's batches.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../../src/cli/api-client.js';
import { ResultsWriter } from '../../../src/cli/results-writer.js';
import type { EventFile } from '../../../src/core/events.js';
import type { Report } from '../../../src/core/report.js';

/** The output the stand-in starts and never finishes. */
const STALLED = 'b_9/0';

/** The stand-in's outputs: batch id → file index → content, and how each request went. */
let outputs: Map<string, Map<number, string>>;
/** Requests to refuse once with a 500, as `batch/index`. */
let failOnce: Set<string>;
/** Requests to answer once `429 RATE_LIMITED` with `Retry-After: 0`, as `batch/index`. */
let limitOnce: Set<string>;
let requested: string[];
let onRequest: ((key: string) => void) | null;

function succeeded(index: number, outputName?: string): EventFile {
  return {
    index,
    name: `in-${index}`,
    status: 'succeeded',
    progress: 100,
    ...(outputName ? { outputName } : {}),
  };
}

/** A report holding just what the writer reads: the batch id and each file's status and output name. */
function reportOf(id: string, files: { index: number; status: string; outputName: string | null }[]): Report {
  return { batch: { id }, summary: {}, files } as unknown as Report;
}

describe('ResultsWriter', () => {
  let server: Server;
  let client: ApiClient;
  let scratch: string;
  let out: string;
  let run = 0;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'filemill-writer-'));
    server = createServer((request, response) => {
      const match = /^\/api\/batches\/([^/]+)\/files\/(\d+)\/output$/.exec(request.url ?? '');
      const key = match ? `${match[1]}/${match[2]}` : '';
      requested.push(key);
      onRequest?.(key);
      const content = match ? outputs.get(match[1]!)?.get(Number(match[2])) : undefined;
      if (failOnce.delete(key)) return response.writeHead(500).end('{}');
      if (limitOnce.delete(key)) return response.writeHead(429, { 'retry-after': '0' }).end('{}');
      if (key === STALLED) {
        // A large output whose bytes stop coming halfway: the writer is midway through it.
        response.writeHead(200, { 'content-length': 4 * 1024 * 1024 });
        return response.write(Buffer.alloc(64 * 1024));
      }
      if (content === undefined) return response.writeHead(404).end('{}');
      // With its length, as the server sends an output: what the writer reads whole or streams by.
      const length = Buffer.byteLength(content);
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': length }).end(content);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(() => {
    outputs = new Map();
    failOnce = new Set();
    limitOnce = new Set();
    requested = [];
    onRequest = null;
    out = join(scratch, `out-${++run}`);
  });

  it(
    'fetches an output as soon as its event names it, before the batch ends, and not again',
    { timeout: 30_000 },
    async () => {
      outputs.set('b_1', new Map([[0, 'alpha']]));
      const writer = new ResultsWriter(client, out, new Set());
      const asked = new Promise<string>((resolve) => (onRequest = resolve));
      writer.succeeded('b_1', succeeded(0, 'day1/a.txt'));
      assert.equal(await asked, 'b_1/0', 'fetched while the batch still runs');

      const report = reportOf('b_1', [{ index: 0, status: 'succeeded', outputName: 'day1/a.txt' }]);
      assert.deepEqual(await writer.finishBatch(report, 'report.json'), ['day1/a.txt', 'report.json']);
      assert.deepEqual(requested, ['b_1/0'], 'the end found it written');
      assert.equal(await readFile(join(out, 'day1/a.txt'), 'utf8'), 'alpha');
      assert.deepEqual(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')), report);
    },
  );

  it('fetches at the end what no event named and what failed to come, in file order, leaving no partial file', async () => {
    outputs.set(
      'b_2',
      new Map([
        [0, 'zero'],
        [1, 'one'],
        [3, 'three'],
      ]),
    );
    failOnce.add('b_2/1');
    const writer = new ResultsWriter(client, out, new Set());
    // File 0's event came from a server that named no output; file 1's fetch fails once.
    writer.succeeded('b_2', succeeded(0));
    writer.succeeded('b_2', succeeded(1, 'one.txt'));
    const written = await writer.finishBatch(
      reportOf('b_2', [
        { index: 0, status: 'succeeded', outputName: 'zero.txt' },
        { index: 1, status: 'succeeded', outputName: 'one.txt' },
        { index: 2, status: 'failed', outputName: null },
        { index: 3, status: 'succeeded', outputName: 'three.txt' },
      ]),
      'report.json',
    );
    assert.deepEqual(written, ['zero.txt', 'one.txt', 'three.txt', 'report.json']);
    assert.deepEqual(
      requested.filter((key) => key === 'b_2/1'),
      ['b_2/1', 'b_2/1'],
      'the failed fetch was made again',
    );
    assert.equal(await readFile(join(out, 'one.txt'), 'utf8'), 'one');
    assert.deepEqual((await readdir(out)).sort(), ['one.txt', 'report.json', 'three.txt', 'zero.txt']);
  });

  it('streams a large output to disk and writes it whole', async () => {
    const large = 'abcdefgh'.repeat(256 * 1024); // 2 MiB: over the size read whole
    outputs.set('b_6', new Map([[0, large]]));
    const writer = new ResultsWriter(client, out, new Set());
    writer.succeeded('b_6', succeeded(0, 'big/large.txt'));
    const written = await writer.finishBatch(
      reportOf('b_6', [{ index: 0, status: 'succeeded', outputName: 'big/large.txt' }]),
      'report.json',
    );
    assert.deepEqual(written, ['big/large.txt', 'report.json']);
    assert.equal(await readFile(join(out, 'big/large.txt'), 'utf8'), large);
    assert.deepEqual(await readdir(join(out, 'big')), ['large.txt'], 'no partial file left');
  });

  it("keeps a run's names unique across its batches, and fetches a file's output once", async () => {
    outputs.set('b_3', new Map([[0, 'first']]));
    outputs.set('b_4', new Map([[0, 'second']]));
    const taken = new Set<string>();
    const writer = new ResultsWriter(client, out, taken);
    writer.succeeded('b_3', succeeded(0, 'a.txt'));
    // The same event again (a file that succeeded does not run again): no second fetch.
    writer.succeeded('b_3', succeeded(0, 'a.txt'));
    const first = await writer.finishBatch(
      reportOf('b_3', [{ index: 0, status: 'succeeded', outputName: 'a.txt' }]),
      'report-b_3.json',
    );
    writer.succeeded('b_4', succeeded(0, 'A.txt'));
    const second = await writer.finishBatch(
      reportOf('b_4', [{ index: 0, status: 'succeeded', outputName: 'A.txt' }]),
      'report-b_4.json',
    );
    assert.deepEqual(first, ['a.txt', 'report-b_3.json']);
    assert.deepEqual(requested, ['b_3/0', 'b_4/0']);
    assert.deepEqual(second, ['A (2).txt', 'report-b_4.json']);
    assert.equal(await readFile(join(out, 'a.txt'), 'utf8'), 'first');
    assert.equal(await readFile(join(out, 'A (2).txt'), 'utf8'), 'second');
  });

  it("waits out a server's rate limit instead of failing, and writes a name too long for a made-up temporary one", async () => {
    const long = `${'é'.repeat(120)}.txt`; // 244 bytes: a name with a suffix added would not fit
    outputs.set('b_7', new Map([[0, 'limited']]));
    limitOnce.add('b_7/0');
    const writer = new ResultsWriter(client, out, new Set());
    writer.succeeded('b_7', succeeded(0, long));
    const written = await writer.finishBatch(
      reportOf('b_7', [{ index: 0, status: 'succeeded', outputName: long }]),
      'report.json',
    );
    assert.deepEqual(written, [long, 'report.json']);
    assert.deepEqual(requested, ['b_7/0', 'b_7/0'], 'asked again after the 429');
    assert.equal(await readFile(join(out, long), 'utf8'), 'limited');
  });

  it('writes the report and every output it can when one cannot be fetched, then says so', async () => {
    outputs.set('b_8', new Map([[1, 'one']]));
    const writer = new ResultsWriter(client, out, new Set());
    await assert.rejects(
      writer.finishBatch(
        reportOf('b_8', [
          { index: 0, status: 'succeeded', outputName: 'gone.txt' },
          { index: 1, status: 'succeeded', outputName: 'one.txt' },
        ]),
        'report.json',
      ),
      /^CliError: the server answered 404$/,
    );
    assert.deepEqual((await readdir(out)).sort(), ['one.txt', 'report.json']);
  });

  it('stops a fetch midway when its run is stopped, and leaves no temporary file once settled', async () => {
    const stop = new AbortController();
    const writer = new ResultsWriter(client, out, new Set(), stop.signal);
    const asked = new Promise<string>((resolve) => (onRequest = resolve));
    writer.succeeded('b_9', succeeded(0, 'stalled.bin'));
    await asked;
    // Until its first bytes are on disk, the temporary file may not exist yet.
    while (!(await readdir(out).catch(() => [] as string[])).some((n) => n.endsWith('.part'))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stop.abort(new Error('the run failed'));
    await writer.settle();
    assert.deepEqual(await readdir(out), [], 'nothing half-written is left');
  });

  it('refuses a name that leaves the folder or names one, and writes nothing there', async () => {
    outputs.set('b_5', new Map([[0, 'evil']]));
    const writer = new ResultsWriter(client, out, new Set());
    writer.succeeded('b_5', succeeded(0, '../evil.txt'));
    await assert.rejects(
      writer.finishBatch(
        reportOf('b_5', [{ index: 0, status: 'succeeded', outputName: '../evil.txt' }]),
        'report.json',
      ),
      /^CliError: UNSAFE_PATH: the results hold a name outside the folder: \.\.\/evil\.txt$/,
    );
    assert.deepEqual(requested, [], 'nothing was fetched for it');
    await assert.rejects(readFile(join(scratch, 'evil.txt')), { code: 'ENOENT' });
    for (const name of ['a/', 'a/.', 'a/..', 'a\0b']) {
      await assert.rejects(
        writer.finishBatch(reportOf('b_5', [{ index: 1, status: 'succeeded', outputName: name }]), 'r.json'),
        /^CliError: UNSAFE_PATH/,
        JSON.stringify(name),
      );
    }
  });
});
