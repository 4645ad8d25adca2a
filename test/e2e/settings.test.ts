/**
 * The settings form in Chromium, as a person uses it: fields labelled in words with their
 * keys beside them, the settings of the other mode hidden as the mode changes, a wrong value
 * named in plain words, and a batch that runs with what was shown — the hidden settings
 * neither sent nor kept. Screenshots of the form in test-output/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { plainPdf } from '../processors/pdf-fixtures.js';
import { waitForBatch } from '../integration/support/server.js';
import { SHOTS, skip, startSession, writeTree, type E2eSession } from './support.js';

describe('the settings form in Chromium', { skip }, () => {
  let session: E2eSession;
  let page: Page;

  before(async () => {
    session = await startSession('settings', { concurrency: 2 });
    const newPage = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page = session.watch(newPage, { console: true });
  });
  after(() => session?.close());

  it('hides the settings of the other mode as the mode changes, and runs with what was shown', async () => {
    await writeTree(join(session.scratch, 'papers'), {
      'a.pdf': Buffer.from(await plainPdf(1)),
      'b.pdf': Buffer.from(await plainPdf(2)),
    });
    await page.goto(session.server.url);
    await page.getByLabel('Processor').selectOption('pdf-sanitize');
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'papers'));
    await page.getByText('Settings: disarm').click();

    // The structural mode (the preset's): its own settings, labelled in words, keys beside them.
    const links = page.getByLabel('Links', { exact: true });
    await links.waitFor();
    await page.locator('code.setting-key', { hasText: /^onFailure$/ }).waitFor();
    assert.equal(await page.getByLabel('When a file cannot be parsed').count(), 1);
    assert.equal(await page.getByLabel('Resolution (DPI)').count(), 0, 'no drawing settings yet');
    await page.screenshot({ path: join(SHOTS, 'settings-structural.png'), fullPage: true });

    await page.getByLabel('How to sanitise').selectOption('rasterize');
    const dpi = page.getByLabel('Resolution (DPI)');
    await dpi.waitFor();
    assert.equal(await dpi.inputValue(), '150', 'pre-filled by its default');
    assert.equal(await page.getByLabel('Largest page (pixels)').count(), 1);
    assert.equal(await links.count(), 0, 'links do not apply to re-drawn pages');
    assert.equal(await page.getByLabel('When a file cannot be parsed').count(), 0);

    // A chain: the OCR languages apply once OCR is on, which applies only to drawn pages.
    const ocr = page.getByLabel('Searchable text (OCR)');
    await ocr.check();
    const languages = page.getByRole('group', { name: 'OCR languages' });
    await languages.waitFor();
    assert.ok(await languages.getByLabel('eng').isChecked());
    await ocr.uncheck();
    await languages.waitFor({ state: 'detached' });

    await dpi.fill('1000');
    await page.getByText('Between 72 and 300').waitFor();
    assert.equal(await dpi.getAttribute('aria-invalid'), 'true');
    assert.ok(await page.getByRole('button', { name: 'Start 2 files' }).isDisabled());
    await dpi.fill('100');
    await page.getByText('disarm, with mode rasterize, dpi 100').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'settings-rasterize.png'), fullPage: true });

    await page.getByRole('button', { name: 'Start 2 files' }).click();
    await page.waitForURL(/\/batches\/b_\w+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const batch = await waitForBatch(session.server.url, id, undefined, 120_000);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.settings.mode, 'rasterize');
    assert.equal(batch.settings.dpi, 100);
    // The disarm preset's links and metadata do not apply to a re-drawn file: not kept.
    assert.equal('links' in batch.settings, false);
    assert.equal('metadata' in batch.settings, false);
    assert.deepEqual(session.errors, []);
  });

  it('fits a phone: labels, keys and help wrap inside 390 px', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(session.server.url);
    await page.getByLabel('Processor').selectOption('pdf-sanitize');
    await page.getByText('Settings: disarm').click();
    await page.getByLabel('How to sanitise').selectOption('rasterize');
    await page.getByLabel('Largest page (pixels)').waitFor();
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    await page.screenshot({ path: join(SHOTS, 'settings-rasterize-390.png'), fullPage: true });
  });
});
