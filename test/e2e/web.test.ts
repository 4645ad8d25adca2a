/**
 * The web UI end to end, as a person uses it: Debian's Chromium (driven by playwright-core)
 * against a real server serving the freshly built page, real image files in a real folder.
 * Screenshots of the preview and the queue go to test-output/ for a person to look at.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { photoJpeg } from '../integration/support/images.js';
import { hostilePdf, plainPdf } from '../processors/pdf-fixtures.js';
import { waitForBatch } from '../integration/support/server.js';
import { readZip } from '../integration/support/zip.js';
import { SHOTS, skip, startSession, writeTree, type E2eSession } from './support.js';

/** Presses Tab until `accessibleName` has the focus (at most 40 times), as a keyboard user would. */
async function tabTo(page: Page, accessibleName: RegExp): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    if ((await focused.count()) === 0) continue; // the focus is outside the page for now
    const label = focused.locator('xpath=ancestor::label');
    const name = [
      (await focused.getAttribute('aria-label')) ?? '',
      (await focused.textContent()) ?? '',
      (await label.count()) > 0 ? ((await label.textContent()) ?? '') : '',
    ]
      .join(' ')
      .trim();
    if (accessibleName.test(name)) return;
  }
  throw new Error(`Tab never reached ${accessibleName}`);
}

describe('the web UI in Chromium', { skip }, () => {
  let session: E2eSession;
  let page: Page;

  before(async () => {
    session = await startSession('web', { concurrency: 2, maxFilesPerBatch: 1000 });
    page = await session.browser.newPage({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    // Listening from the start turns on Chromium's file-chooser interception now: enabled at
    // the moment of a key press, it can come too late and the chooser is lost.
    page.on('filechooser', () => {});
    // With the console: a Content-Security-Policy violation or a failed request shows up there.
    session.watch(page, { console: true });
  });
  after(() => session?.close());

  it('takes a nested folder, leaves out the text file, runs every image live, and hands back the ZIP', async () => {
    const images: Record<string, Buffer | string> = { 'notes.txt': 'not an image' };
    for (let i = 0; i < 10; i++) images[`day${1 + (i % 2)}/img_${i}.jpg`] = await photoJpeg(900, 600, i + 1);
    await writeTree(join(session.scratch, 'trip'), images);

    await page.goto(session.server.url);
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'trip'));
    await page.getByText('10 files,').waitFor();
    const leftOut = await page.getByRole('list', { name: 'Files left out' }).innerText();
    assert.match(leftOut, /trip\/notes\.txt: not a type this processor takes \(text\/plain\)/);
    assert.equal(await page.getByRole('table', { name: 'Files to send' }).locator('tbody tr').count(), 10);
    await page.screenshot({ path: join(SHOTS, 'web-preview.png'), fullPage: true });

    await page.getByRole('button', { name: 'Start 10 files' }).click();
    await page.waitForURL(/\/batches\/b_\w+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const rows = page.getByRole('table', { name: 'Files' }).locator('tbody tr');
    await page.locator('tr[data-status="succeeded"]').nth(9).waitFor({ timeout: 60_000 });
    assert.equal(await rows.count(), 10);
    assert.match(await page.locator('.overall').innerText(), /completed · 10\/10 files · 10 succeeded/);
    await page.screenshot({ path: join(SHOTS, 'web-queue.png'), fullPage: true });

    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.waitFor();
    const figures = await summary.locator('.facts').innerText();
    assert.match(figures, /10\/10 succeeded/);
    assert.match(figures, /Success rate\s+100 %/);
    assert.match(figures, /\d+ % smaller/);
    // The header's "Took" is the summary's run time: one figure, exact once the batch's end
    // has been read (the page reads the batch and its rows again when an event says it ended).
    await page.waitForFunction(`(() => {
      const took = /Took\\s+(.+)/.exec(document.querySelector('.batch-header').innerText)?.[1];
      const total = /Total time\\s+(.+)/.exec(document.querySelector('.facts').innerText)?.[1];
      return took !== undefined && took === total;
    })()`);
    assert.equal(await summary.locator('canvas[role="img"]').count(), 3, 'three charts');
    await summary.getByRole('link', { name: 'Report (CSV)' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'web-summary.png'), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download results (ZIP)' }).click(),
    ]);
    const zipPath = join(session.scratch, 'results.zip');
    await download.saveAs(zipPath);
    const entries = [...(await readZip(await readFile(zipPath))).keys()].sort();
    assert.deepEqual(entries, [
      'report.json',
      ...Array.from({ length: 10 }, (_, i) => `trip/day${1 + (i % 2)}/img_${i}.webp`).sort(),
    ]);
    assert.equal((await waitForBatch(session.server.url, id)).status, 'completed');

    // The batch is in the history, newest first, and opens from there.
    await page.getByRole('link', { name: 'Past batches' }).click();
    const history = page.getByRole('table', { name: 'Past batches' });
    await history.waitFor();
    assert.match(
      await history.locator('tbody tr').first().innerText(),
      new RegExp(`${id}\\s+completed\\s+10/10 succeeded`),
    );
    // Named after the dropped folder; its id is beside the name.
    await history.getByRole('link', { name: 'trip', exact: true }).first().click();
    await page.waitForURL(new RegExp(`/batches/${id}$`));
    await page.getByRole('region', { name: 'Summary' }).waitFor();
    assert.deepEqual(session.errors, []);
  });

  it('generates the settings form, refuses a wrong value at its field, and sends the changes', async () => {
    await writeTree(join(session.scratch, 'two'), {
      'a.jpg': await photoJpeg(640, 480, 21),
      'b.jpg': await photoJpeg(480, 640, 22),
    });
    await page.goto(session.server.url);
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'two'));
    await page.getByText('Settings: web').click();
    const quality = page.getByLabel('Quality', { exact: true });
    assert.equal(await quality.inputValue(), '80', 'pre-filled by the preset');
    await quality.fill('0');
    await page.getByText('Between 1 and 100').waitFor();
    assert.equal(await quality.getAttribute('aria-invalid'), 'true');
    assert.ok(await page.getByRole('button', { name: 'Start 2 files' }).isDisabled());
    await quality.fill('55');
    await page.getByLabel('Output format', { exact: true }).selectOption('jpeg');
    await page.getByText('web, with quality 55, format jpeg').first().waitFor();
    await page.getByRole('button', { name: 'Start 2 files' }).click();
    await page.waitForURL(/\/batches\/b_\w+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const batch = await waitForBatch(session.server.url, id);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.settings.quality, 55);
    assert.equal(batch.settings.format, 'jpeg');
    assert.equal(batch.settings.width, 2048, 'the rest comes from the preset');
  });

  it('can be used with the keyboard alone, from choosing a folder to the download', async () => {
    await writeTree(join(session.scratch, 'keys'), {
      'k1.jpg': await photoJpeg(320, 240, 31),
      'k2.jpg': await photoJpeg(320, 240, 32),
    });
    await page.goto(session.server.url);
    await page.getByText('Drop files or whole folders').waitFor();
    await tabTo(page, /Choose a folder/);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles(join(session.scratch, 'keys'));
    await page.getByText('2 files,').waitFor();
    await tabTo(page, /^Start 2 files$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/batches\/b_\w+$/);
    assert.equal(await page.locator('main:focus').count(), 1, 'the focus moves to the new view');
    await page.getByRole('region', { name: 'Summary' }).waitFor({ timeout: 60_000 });
    await tabTo(page, /Download results \(ZIP\)/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), 'keys-results.zip');
    assert.deepEqual(session.errors, []);
  });

  it('keeps only the rows near the view in the page for a batch of 1,000 files, and scrolls to any', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) many[`many/f${String(i).padStart(4, '0')}.txt`] = `${i}`;
    await writeTree(session.scratch, many);
    await page.goto(session.server.url);
    await page.getByLabel('Processor').selectOption('copy');
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'many'));
    await page.getByRole('button', { name: 'Start 1000 files' }).click();
    await page.waitForURL(/\/batches\/b_\w+$/);
    await page.getByRole('region', { name: 'Summary' }).waitFor({ timeout: 120_000 });
    const rendered = await page.locator('tbody tr[data-status]').count();
    assert.ok(rendered > 0 && rendered < 200, `${rendered} rows in the page for 1,000 files`);
    await page.getByLabel('Sort by').selectOption('name');
    await page.keyboard.press('End');
    await page.getByText('many/f0999.txt').waitFor();
    await page.screenshot({ path: join(SHOTS, 'web-1000-rows-end.png') });
    assert.deepEqual(session.errors, []);
  });

  it('disarms PDFs and says in the summary how many carried active content', async () => {
    await writeTree(join(session.scratch, 'inbox'), {
      'hostile.pdf': Buffer.from(await hostilePdf()),
      'plain.pdf': Buffer.from(await plainPdf(1)),
    });
    await page.goto(session.server.url);
    await page.getByLabel('Processor').selectOption('pdf-sanitize');
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'inbox'));
    await page.getByRole('button', { name: 'Start 2 files' }).click();
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.waitFor({ timeout: 60_000 });
    assert.match(
      await summary.locator('.findings').innerText(),
      /^Active content found in 1 of 2 files: javascript × 2, .* — removed$/,
    );
    assert.deepEqual(session.errors, []);
  });

  it('cancels one file of a slow batch, picks up after a reload, and retries the file', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`slow/f${i}.txt`] = `file ${i}`;
    await writeTree(session.scratch, files);

    await page.goto(session.server.url);
    await page.getByLabel('Processor').selectOption('sleep');
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'slow'));
    await page.getByRole('button', { name: 'Start 6 files' }).click();
    await page.waitForURL(/\/batches\/b_\w+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;

    await page.getByRole('button', { name: 'Cancel slow/f5.txt' }).click();
    await page.locator('tr[data-status="cancelled"]').waitFor();
    // A reload mid-batch: the page reads the files again and follows from there.
    await page.reload();
    await page.getByText('Up to date').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.overall').innerText(), /5 succeeded, 0 failed, 1 cancelled/);

    await page.getByRole('button', { name: 'Retry slow/f5.txt' }).click();
    await page.locator('tr[data-status="succeeded"]').nth(5).waitFor({ timeout: 30_000 });
    const batch = await waitForBatch(session.server.url, id);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.counts.succeeded, 6);
  });
});
