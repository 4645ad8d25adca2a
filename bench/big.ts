/**
 * `npm run bench big`: a 10,000-file batch (issue 17) — tiny files through the `copy`
 * processor (bench/copy-processor/) in one request, on a fresh server with the file limit
 * raised — and what a client sees meanwhile:
 *
 * - files per second end to end (upload included), and how long the upload took;
 * - latency of `GET /api/batches/:id` and of a files page (`?limit=100`, at a moving cursor)
 *   read back to back while the batch runs: p50, p99, max;
 * - the server process's RSS: before the upload, its peak during the upload and during the
 *   run, and at the end; growth = peak − before; at the end, V8's heap (used, total) and the
 *   memory outside it that V8 knows of (buffers);
 * - the SSE stream: whether a client following it from the 202 reads every event to the end,
 *   and how far behind the last file's event it ends.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gauge, metrics, startServer } from './server-process.js';

const PROCESSORS = fileURLToPath(new URL('./copy-processor/processors.js', import.meta.url));
const FILES = 10_000;
const MiB = 2 ** 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

function latency(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    reads: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? NaN),
  };
}

async function timed(url: string): Promise<{ ms: number; body: any }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.json();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, body };
}

/** Reads the SSE stream from seq 1 to the batch's end event; the count and when it ended. */
async function followToEnd(url: string): Promise<{ events: number; endedAt: number; gapFree: boolean }> {
  const response = await fetch(url);
  const decoder = new TextDecoder();
  let buffer = '';
  let events = 0;
  let gapFree = true;
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const id = /^id: (\d+)$/m.exec(frame);
      if (!id) continue;
      events += 1;
      if (Number(id[1]) !== events) gapFree = false;
      if (/"type":"batch\.(completed|failed|cancelled)"/.test(frame)) {
        return { events, endedAt: performance.now(), gapFree };
      }
    }
  }
  return { events, endedAt: performance.now(), gapFree: false };
}

export async function bigBatchBench(concurrency = Math.min(2, availableParallelism())) {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-big-'));
  const server = await startServer(dir, {
    FILEMILL_TEST_PROCESSORS: PROCESSORS,
    FILEMILL_MAX_FILES: String(FILES),
    FILEMILL_CONCURRENCY: String(concurrency),
    // Its reads follow one another without a pause: past 6,000 a minute they would be refused.
    FILEMILL_RATE_LIMIT: '0',
  });
  try {
    const form = new FormData();
    form.append('processor', 'copy');
    for (let i = 0; i < FILES; i++) {
      form.append('files', new Blob([Buffer.alloc(64 + (i % 64), i % 251)]), `big/d${i % 100}/f${i}.png`);
    }
    const rssBefore = await server.rss();
    let rssPeakUpload = rssBefore;
    let rssPeakRun = rssBefore;
    let uploading = true;
    const sampler = setInterval(() => {
      server
        .rss()
        .then((rss) => {
          if (uploading) rssPeakUpload = Math.max(rssPeakUpload, rss);
          else rssPeakRun = Math.max(rssPeakRun, rss);
        })
        .catch(() => undefined);
    }, 50);

    const started = performance.now();
    const response = await fetch(`${server.url}/api/batches`, { method: 'POST', body: form });
    if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
    const { id } = (await response.json()) as { id: string };
    const uploadMs = performance.now() - started;
    uploading = false;
    const stream = followToEnd(`${server.url}/api/batches/${id}/events`);

    const status: number[] = [];
    const pages: number[] = [];
    let finishedAt = 0;
    let lastFileAt = 0;
    for (let read = 0; ; read++) {
      const batch = await timed(`${server.url}/api/batches/${id}`);
      status.push(batch.ms);
      const cursor = Buffer.from(`f:${(read * 97) % FILES}`).toString('base64url');
      pages.push((await timed(`${server.url}/api/batches/${id}/files?limit=100&cursor=${cursor}`)).ms);
      if (batch.body.finishedAt !== null) {
        finishedAt = performance.now();
        lastFileAt = Date.parse(batch.body.finishedAt);
        break;
      }
    }
    const followed = await stream;
    clearInterval(sampler);
    const rssEnd = await server.rss();
    // What of the RSS is V8's heap and what is outside it (buffers, SQLite, the allocator).
    const exposition = await metrics(server.url);
    const mib = (name: string) => round(gauge(exposition, `filemill_${name}`) / MiB);
    const wallMs = finishedAt - started;
    return {
      files: FILES,
      concurrency,
      wallMs: Math.round(wallMs),
      uploadMs: Math.round(uploadMs),
      filesPerSecond: round((FILES * 1000) / wallMs),
      statusRead: latency(status),
      filesPageRead: latency(pages),
      rssMiB: {
        before: round(rssBefore / MiB),
        peakUpload: round(rssPeakUpload / MiB),
        peakRun: round(rssPeakRun / MiB),
        end: round(rssEnd / MiB),
        growth: round((Math.max(rssPeakUpload, rssPeakRun) - rssBefore) / MiB),
        endHeapUsed: mib('nodejs_heap_size_used_bytes'),
        endHeapTotal: mib('nodejs_heap_size_total_bytes'),
        endExternal: mib('nodejs_external_memory_bytes'),
      },
      sse: {
        events: followed.events,
        gapFree: followed.gapFree,
        /** From the batch's end (as read by polling) to the stream's end event. */
        endedAfterBatchMs: Math.round(followed.endedAt - finishedAt),
      },
      lastFileFinishedAt: new Date(lastFileAt).toISOString(),
      target: { statusReadP99Ms: 50, rssGrowthMiB: 150 },
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
