/**
 * The batch page in Chromium once it is in use: the layout holds still when the summary
 * arrives above the file rows, every page fits a phone's width, and a file's time and sizes
 * show as soon as it is done, not only when the batch ends. Batches are sent over the API
 * (the new-batch page has tests of its own in web.test.ts); the page is opened on them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { photoJpeg } from '../integration/support/images.js';
import { getJson, submit, waitForBatch } from '../integration/support/server.js';
import { skip, startSession, writeTree, type E2eSession } from './support.js';

/**
 * `count` small text files for the copy and sleep test processors. Every 40th has a long name
 * that wraps, as real folders have: the rows are then of more than one height.
 */
function textFiles(count: number, folder = 'docs') {
  return Array.from({ length: count }, (_, i) => ({
    name:
      i % 40 === 39
        ? `${folder}/a much longer folder name/${'with words in it '.repeat(8)}${i}.txt`
        : `${folder}/file-${String(i).padStart(3, '0')}.txt`,
    data: `file ${i}\n`.repeat(20),
  }));
}

/**
 * The document's height and scroll position on every animation frame for `ms`. Sent as text:
 * tsx would wrap a named function in a helper the page does not have.
 */
async function sampleLayout(page: Page, ms: number): Promise<{ height: number; scrollY: number }[]> {
  return page.evaluate(`new Promise((resolve) => {
    const samples = [];
    const end = performance.now() + ${ms};
    const frame = () => {
      samples.push({ height: document.documentElement.scrollHeight, scrollY: window.scrollY });
      if (performance.now() < end) requestAnimationFrame(frame);
      else resolve(samples);
    };
    requestAnimationFrame(frame);
  })`);
}

describe('the batch page in Chromium', { skip }, () => {
  let session: E2eSession;

  before(async () => {
    session = await startSession('batch-page', { concurrency: 2, maxFilesPerBatch: 1000 });
  });
  after(() => session?.close());

  async function open(path: string, width = 1280, height = 800): Promise<Page> {
    const page = session.watch(await session.browser.newPage({ viewport: { width, height } }));
    await page.goto(`${session.server.url}${path}`);
    return page;
  }

  it('holds its layout still once the summary is shown above the rows, and its buttons take a click', async () => {
    const sent = await submit(session.server.url, textFiles(200), { processor: 'copy' });
    assert.equal(sent.status, 202);
    const { id } = sent.body as { id: string };
    await waitForBatch(session.server.url, id);

    const page = await open(`/batches/${id}`);
    await page.getByRole('region', { name: 'Summary' }).waitFor();
    await page.getByRole('link', { name: 'Report (CSV)' }).waitFor();
    await page.mouse.wheel(0, 500);
    await page.waitForFunction('window.scrollY > 0');

    const samples = await sampleLayout(page, 1000);
    const heights = new Set(samples.map((s) => s.height));
    const positions = new Set(samples.map((s) => s.scrollY));
    assert.equal(heights.size, 1, `the document's height changed: ${[...heights].join(', ')}`);
    assert.equal(positions.size, 1, `the scroll position changed: ${[...positions].join(', ')}`);

    // A row's output link, below the summary, under a real mouse: Playwright clicks only an
    // element that has stopped moving.
    const output = page.getByRole('link', { name: 'Output of docs/file-020.txt' });
    await output.scrollIntoViewIfNeeded();
    const [response] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      output.click({ timeout: 15_000 }),
    ]);
    assert.equal(response.suggestedFilename(), 'file-020.txt');
    await page.close();
    assert.deepEqual(session.errors, []);
  });

  it('fits every page into a 390 px wide screen, with no sideways scrolling', async () => {
    const photos: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i++)
      photos[`holiday/day${i}/IMG_20240101_123456_with_a_long_camera_name_${i}.jpg`] = await photoJpeg(
        320,
        240,
        i + 1,
      );
    await writeTree(session.scratch, photos);
    const finished = await submit(session.server.url, textFiles(60), { processor: 'copy' });
    await waitForBatch(session.server.url, finished.body.id as string);
    const running = await submit(session.server.url, textFiles(6, 'slow'), {
      processor: 'sleep',
      settings: JSON.stringify({ ms: 60_000 }),
    });

    const page = await open('/', 390, 844);
    const overflow = () =>
      page.evaluate('document.scrollingElement.scrollWidth - window.innerWidth') as Promise<number>;
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'holiday'));
    await page.getByText('4 files,').waitFor();
    assert.equal(await overflow(), 0, 'a new batch, with files chosen');

    await page.goto(`${session.server.url}/batches/${finished.body.id}`);
    await page.getByRole('link', { name: 'Report (CSV)' }).waitFor();
    assert.equal(await overflow(), 0, 'a finished batch with its summary');

    await page.goto(`${session.server.url}/batches/${running.body.id}`);
    await page.locator('tr[data-status="running"]').first().waitFor();
    assert.equal(await overflow(), 0, 'a running batch');

    await page.goto(`${session.server.url}/batches`);
    await page.getByRole('table', { name: 'Past batches' }).waitFor();
    assert.equal(await overflow(), 0, 'the past batches');
    await page.close();
    await fetch(`${session.server.url}/api/batches/${running.body.id}/cancel`, { method: 'POST' });
    assert.deepEqual(session.errors, []);
  });

  it("fills in a file's time and sizes as soon as it is done, while the batch still runs", async () => {
    const sent = await submit(session.server.url, textFiles(8, 'slow'), {
      processor: 'sleep',
      settings: JSON.stringify({ ms: 3000 }),
    });
    const id = sent.body.id as string;
    const page = await open(`/batches/${id}`);
    const done = page.locator('tr[data-status="succeeded"]').first();
    await done.waitFor({ timeout: 30_000 });
    // Its time (the sleep's 3 s, give or take) and its size before → after.
    await done
      .filter({ hasText: /\d\.\d s/ })
      .filter({ hasText: '→' })
      .waitFor({ timeout: 10_000 });
    const { body: batch } = await getJson(`${session.server.url}/api/batches/${id}`);
    assert.equal(batch.status, 'running', 'filled in before the batch ended');
    assert.match(await done.innerText(), /\d\.\d s\s+140 B → 140 B \(±0 %\)/);
    await page.close();
    await fetch(`${session.server.url}/api/batches/${id}/cancel`, { method: 'POST' });
    assert.deepEqual(session.errors, []);
  });
});
