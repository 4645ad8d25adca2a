/**
 * The batch page's details in Chromium (issue 18): a friendly page for a batch that is not
 * there, counts on the status filter, a confirmation before *Cancel all*, feedback on *Copy
 * link*, a file's details in a side panel, and a header that names the batch. Screenshots of
 * each state at 1280 and 390 px, light and dark, go to test-output/batch-details-*.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { submit, waitForBatch } from '../integration/support/server.js';
import { SHOTS, skip, startSession, type E2eSession } from './support.js';

const files = (count: number, folder: string) =>
  Array.from({ length: count }, (_, i) => ({ name: `${folder}/file-${i}.txt`, data: `file ${i}\n` }));

describe('the batch page details in Chromium', { skip }, () => {
  let session: E2eSession;

  before(async () => {
    session = await startSession('batch-details', { concurrency: 2 });
  });
  after(() => session?.close());

  async function open(path: string, { width = 1280, dark = false, clipboard = false } = {}): Promise<Page> {
    const context = await session.browser.newContext({
      viewport: { width, height: width < 600 ? 844 : 800 },
      colorScheme: dark ? 'dark' : 'light',
      permissions: clipboard ? ['clipboard-read', 'clipboard-write'] : [],
    });
    const page = session.watch(await context.newPage());
    await page.goto(`${session.server.url}${path}`);
    return page;
  }

  /** The page at each width and scheme, as `batch-details-<state>-<width>-<scheme>.png`. */
  async function shoot(state: string, path: string, ready: (page: Page) => Promise<void>): Promise<void> {
    for (const width of [1280, 390]) {
      for (const dark of [false, true]) {
        const page = await open(path, { width, dark });
        await ready(page);
        await page.screenshot({
          path: join(SHOTS, `batch-details-${state}-${width}-${dark ? 'dark' : 'light'}.png`),
          fullPage: false,
        });
        await page.context().close();
      }
    }
  }

  it('says a batch that is not there does not exist, with links onward, not the API error', async () => {
    for (const id of ['nope', 'b_' + 'z'.repeat(24)]) {
      const page = await open(`/batches/${id}`);
      await page.getByRole('heading', { name: 'No such batch' }).waitFor();
      assert.ok(await page.getByRole('link', { name: 'Start a new batch' }).isVisible());
      assert.ok(await page.getByRole('link', { name: 'See past batches' }).isVisible());
      assert.doesNotMatch(await page.locator('main').innerText(), /INVALID_REQUEST|NOT_FOUND|pattern/);
      await page.getByRole('link', { name: 'See past batches' }).click();
      await page.getByRole('heading', { name: 'Past batches' }).waitFor();
      await page.context().close();
    }
    // An address the page does not know, loaded as such (a reload, a link from elsewhere).
    const page = await open('/settings/of/nothing');
    await page.getByRole('heading', { name: 'No such page' }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Start a new batch' }).isVisible());
    await page.context().close();
    await shoot('not-found', `/batches/b_${'z'.repeat(24)}`, (page) =>
      page.getByRole('heading', { name: 'No such batch' }).waitFor(),
    );
  });

  it('counts the files of each status on the filter, and shows a failed file in full in a side panel', async () => {
    const sent = await submit(session.server.url, files(3, 'scans'), {
      processor: 'fail',
      settings: JSON.stringify({ code: 'CORRUPT_INPUT', message: 'The file is damaged beyond repair.' }),
      name: 'scans',
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const id = sent.body.id as string;
    await waitForBatch(session.server.url, id);

    const page = await open(`/batches/${id}`);
    await page.getByRole('heading', { name: 'scans' }).waitFor();
    assert.equal(await page.title(), 'scans — filemill');
    const show = page.getByRole('combobox', { name: 'Show' });
    await page.getByRole('option', { name: 'failed (3)' }).waitFor({ state: 'attached' });
    assert.deepEqual(await show.locator('option').allInnerTexts(), [
      'all (3)',
      'queued (0)',
      'running (0)',
      'retrying (0)',
      'succeeded (0)',
      'failed (3)',
      'cancelled (0)',
    ]);

    const name = page.getByRole('button', { name: 'scans/file-1.txt', exact: true });
    await name.click();
    const panel = page.getByRole('dialog', { name: 'scans/file-1.txt' });
    await panel.waitFor();
    await panel.getByText('The file is damaged beyond repair.').waitFor();
    const text = await panel.innerText();
    assert.match(text, /CORRUPT_INPUT/);
    assert.match(text, /Attempts\s+\d/);
    assert.match(text, /Finished\s+\S/);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'scans/file-1.txt');
    await page.context().close();

    await shoot('panel', `/batches/${id}`, async (p) => {
      await p.getByRole('button', { name: 'scans/file-0.txt', exact: true }).click();
      await p.getByRole('dialog').getByText('The file is damaged beyond repair.').waitFor();
    });
  });

  it('asks before Cancel all (Esc keeps running), says Copied on Copy link, and ticks the header', async () => {
    const sent = await submit(session.server.url, files(4, 'slow'), {
      processor: 'sleep',
      settings: JSON.stringify({ ms: 60_000 }),
      name: 'slow',
    });
    const id = sent.body.id as string;
    const page = await open(`/batches/${id}`, { clipboard: true });
    await page.getByRole('heading', { name: 'slow' }).waitFor();
    const header = page.locator('.batch-facts');
    await header.getByText('sleep').waitFor();
    await header.getByText('Running for').waitFor();
    const elapsed = header.locator('.elapsed');
    const first = await elapsed.innerText();
    // It ticks: its text changes while nothing else happens to the batch.
    await header.locator('.elapsed', { hasNotText: first }).waitFor();

    await page.getByRole('button', { name: 'Copy link' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Copied' });
    await status.waitFor();
    assert.match(
      await page.evaluate('navigator.clipboard.readText()'),
      new RegExp(`/batches/${id}\\?token=`),
    );
    // It goes after a few seconds, and the button keeps its name.
    await status.waitFor({ state: 'detached', timeout: 15_000 });
    assert.ok(await page.getByRole('button', { name: 'Copy link' }).isVisible());

    const cancelAll = page.getByRole('button', { name: 'Cancel all' });
    await cancelAll.click();
    const dialog = page.getByRole('dialog', { name: 'Cancel every file left?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Cancel all');
    const still = await (await fetch(`${session.server.url}/api/batches/${id}`)).json();
    assert.equal((still as { status: string }).status, 'running');

    await cancelAll.click();
    await dialog.getByRole('button', { name: 'Cancel all files' }).click();
    await waitForBatch(session.server.url, id);
    await page.getByText('files done before the cancel').waitFor();
    await page.context().close();

    const again = await submit(session.server.url, files(4, 'slow'), {
      processor: 'sleep',
      settings: JSON.stringify({ ms: 60_000 }),
      name: 'slow',
    });
    await shoot('confirm', `/batches/${again.body.id}`, async (p) => {
      await p.getByRole('button', { name: 'Cancel all' }).click();
      await p.getByRole('dialog').waitFor();
    });
    await fetch(`${session.server.url}/api/batches/${again.body.id}/cancel`, { method: 'POST' });
    assert.deepEqual(session.errors, []);
  });
});
