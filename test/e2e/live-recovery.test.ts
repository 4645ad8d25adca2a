/**
 * The batch page in Chromium when its live stream fails (issue 18, item 3): a stream that
 * never gets through (a proxy that drops WebSockets) and a server killed mid-batch and
 * started again. Either way the page says what happened, keeps the batch moving by reading it
 * over HTTP, and ends where the server does, without a reload.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { kill9, serveProcess } from '../integration/support/faults.js';
import { allFiles, startTestServer, submit, type TestServer } from '../integration/support/server.js';
import { buildPage, launchChromium, SHOTS, skip } from './support.js';

const sleepy = (count: number, ms: number) => ({
  files: Array.from({ length: count }, (_, i) => ({ name: `slow/file-${i}.txt`, data: `file ${i}\n` })),
  fields: { processor: 'sleep', settings: JSON.stringify({ ms }) },
});

/** A port free right now, for a server that must come back where it was. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The rows' statuses as the page shows them, in the order sent. */
async function shownStatuses(page: Page): Promise<string[]> {
  return page
    .locator('tbody tr[data-status]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')!));
}

describe('the batch page when its live stream fails', { skip }, () => {
  let browser: Browser;
  let scratch: string;
  const pageErrors: string[] = [];

  before(async () => {
    await buildPage();
    scratch = await mkdtemp(join(tmpdir(), 'filemill-e2e-live-'));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(`the page threw: ${error.message}`));
    return page;
  }

  it('reads the batch over HTTP while WebSockets never get through, and ends with it', async () => {
    const server: TestServer = await startTestServer({ concurrency: 2 });
    try {
      const { files, fields } = sleepy(6, 1500);
      const sent = await submit(server.url, files, fields);
      assert.equal(sent.status, 202);
      const id = sent.body.id as string;
      const page = await open();
      // As a proxy that drops WebSockets would: every attempt is closed at once.
      await page.routeWebSocket(/\/ws\b/, (ws) => ws.close({ code: 1011, reason: 'blocked' }));
      await page.goto(`${server.url}/batches/${id}`);

      await page.getByText('Live updates lost: the rows are read from the server meanwhile.').waitFor();
      await page.getByRole('button', { name: 'Try now' }).waitFor();
      await page.getByText('Up to date').waitFor({ timeout: 60_000 });
      assert.deepEqual(await shownStatuses(page), Array(6).fill('succeeded'));
      // The finished rows carry their time and sizes, read with them.
      assert.match(await page.locator('tbody tr').first().innerText(), /\d\.\d s[\s\S]*→/);
      await page.close();
    } finally {
      await server.close();
    }
    assert.deepEqual(pageErrors, []);
  });

  it('tells that the server is gone, and picks up without a reload when it is back', async () => {
    const dataDir = join(scratch, 'data');
    const port = await freePort();
    let server = await serveProcess({ dataDir, port, concurrency: 1 });
    try {
      const { files, fields } = sleepy(8, 1000);
      const sent = await submit(server.url, files, fields);
      assert.equal(sent.status, 202);
      const id = sent.body.id as string;
      const page = await open();
      await page.goto(`${server.url}/batches/${id}`);
      await page.locator('tr[data-status="succeeded"]').first().waitFor({ timeout: 30_000 });
      await page.getByText('Live').waitFor();

      await kill9(server);
      await page.getByText('Connection lost: the server does not answer.').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'batch-connection-lost-1280.png') });
      server = await serveProcess({ dataDir, port, concurrency: 1 });

      // Within the back-off's longest wait of the server coming back (15 s), with room to spare
      // for a loaded machine: the page is live again, then follows the batch to its end.
      await page.getByText(/^(Live|Up to date)$/).waitFor({ timeout: 30_000 });
      await page.getByText('Up to date').waitFor({ timeout: 60_000 });
      const rows = await allFiles(server.url, id);
      assert.deepEqual(
        await shownStatuses(page),
        rows.map((row) => row.status),
      );
      assert.deepEqual(
        rows.map((row) => row.status),
        Array(8).fill('succeeded'),
      );
      await page.close();
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
    assert.deepEqual(pageErrors, []);
  });
});
