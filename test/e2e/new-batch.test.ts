/**
 * The new-batch page in Chromium with real folders of photos: *Start*, with the count and
 * size, stays in view while a long list scrolls, on a desktop and on a phone, light and
 * dark; images get thumbnails made in the browser, other files an icon; duplicates are
 * judged by content; accepted types read as extensions. Screenshots go to test-output/ as
 * new-batch-*.png for a person to look at.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { photoJpeg } from '../integration/support/images.js';
import { allFiles, waitForBatch } from '../integration/support/server.js';
import { plainPdf } from '../processors/pdf-fixtures.js';
import { SHOTS, skip, startSession, writeTree, type E2eSession } from './support.js';

/** Photos in the long list. */
const PHOTOS = 41;

/** Where an element is against the window: its top and bottom, and the window's height. */
async function placeOf(
  page: Page,
  selector: string,
): Promise<{ top: number; bottom: number; height: number }> {
  return page.evaluate(`(() => {
    const box = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
    return { top: box.top, bottom: box.bottom, height: window.innerHeight };
  })()`);
}

/** Whether the canvas in `selector` has pixels drawn on it (any not fully transparent). */
async function drawn(page: Page, selector: string): Promise<boolean> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
    return false;
  })()`);
}

/**
 * Waits until `expression` is true in the page. page.waitForFunction polls by evaluating text
 * in the page, which the page's Content-Security-Policy (no 'unsafe-eval') refuses.
 */
async function until(page: Page, expression: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await page.evaluate(expression)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never came true: ${expression}`);
}

/** Every thumbnail within the window is drawn (not its icon). */
const THUMBS_IN_VIEW_DRAWN = `[...document.querySelectorAll('.thumb')]
  .filter((thumb) => { const box = thumb.getBoundingClientRect(); return box.bottom > 0 && box.top < innerHeight; })
  .every((thumb) => thumb.dataset.thumb === 'drawn')`;

describe('the new-batch page in Chromium', { skip }, () => {
  let session: E2eSession;

  before(async () => {
    session = await startSession('new-batch', { concurrency: 2, maxFilesPerBatch: 1000 });
    const photos: Record<string, Buffer> = {};
    for (let i = 0; i < PHOTOS; i++)
      photos[`trip/day${1 + (i % 3)}/IMG_2024_${String(i).padStart(3, '0')}.jpg`] = await photoJpeg(
        480,
        320,
        i + 1,
      );
    const first = await photoJpeg(640, 480, 101);
    await writeTree(session.scratch, {
      ...photos,
      'camera/photo.jpg': first,
      'camera/copy of photo.jpg': first,
      'phone/photo.jpg': await photoJpeg(640, 480, 102),
      'docs/notes.pdf': Buffer.from(await plainPdf(1)),
      'docs/readme.txt': 'read me\n',
    });
  });
  after(() => session?.close());

  async function open(width: number, height: number, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = session.watch(await session.browser.newPage({ viewport: { width, height }, colorScheme }));
    await page.goto(session.server.url);
    return page;
  }

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    it(`keeps Start, with the count and size, in view while a long list scrolls at ${width} px`, async () => {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await open(width, height, scheme);
        await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'trip'));
        const bar = page.getByRole('region', { name: 'Start the batch' });
        await bar.getByText(`${PHOTOS} files · `).waitFor();
        assert.match(await bar.innerText(), new RegExp(`${PHOTOS} files · [\\d.]+ (KiB|MiB)`));

        const pageHeight = (await page.evaluate('document.documentElement.scrollHeight')) as number;
        assert.ok(pageHeight > 2 * height, `the list is longer than the window (${pageHeight} px)`);
        // Halfway down the list, and at its top: the bar is at the bottom of the window.
        for (const y of [pageHeight / 2, 0]) {
          await page.evaluate(`window.scrollTo(0, ${y})`);
          const place = await placeOf(page, '.action-bar');
          assert.ok(
            place.top >= 0 && Math.abs(place.bottom - place.height) < 1,
            `the bar sits at the bottom of the window (${JSON.stringify(place)}, scrolled to ${y})`,
          );
        }
        assert.equal(
          await page.evaluate('document.scrollingElement.scrollWidth - window.innerWidth'),
          0,
          'no sideways scroll',
        );
        await page.evaluate(`window.scrollTo(0, ${pageHeight / 2})`);
        await until(page, THUMBS_IN_VIEW_DRAWN);
        await page.screenshot({ path: join(SHOTS, `new-batch-${scheme}-${width}.png`) });

        if (scheme === 'dark') {
          // Pressed from mid-list, where it sticks: the batch starts with every photo.
          await page.getByRole('button', { name: `Start ${PHOTOS} files` }).click();
          await page.waitForURL(/\/batches\/b_\w+$/);
          const id = new URL(page.url()).pathname.split('/').pop()!;
          assert.equal((await waitForBatch(session.server.url, id)).totalFiles, PHOTOS);
        }
        await page.close();
      }
      assert.deepEqual(session.errors, []);
    });
  }

  it('scrolls each Remove button reached with Tab clear of the bar, never under it', async () => {
    const page = await open(1280, 800);
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'trip'));
    const removes = page.getByRole('button', { name: /^Remove / });
    await removes.nth(PHOTOS - 1).waitFor();
    await removes.first().focus();
    for (let i = 1; i < 20; i++) {
      await page.keyboard.press('Tab');
      const clear = (await page.evaluate(`(() => {
        const focused = document.activeElement.getBoundingClientRect();
        const bar = document.querySelector('.action-bar').getBoundingClientRect();
        return focused.bottom <= bar.top;
      })()`)) as boolean;
      assert.ok(clear, `Remove button ${i + 1} is above the bar, not under it`);
    }
    await page.close();
    assert.deepEqual(session.errors, []);
  });

  it('draws thumbnails of the photos in view, made in the browser, and the rest as they come into view', async () => {
    const page = await open(1280, 800);
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'trip'));
    const rows = page.getByRole('table', { name: 'Files to send' }).locator('tbody tr');
    await rows.first().locator('[data-thumb="drawn"]').waitFor();
    assert.ok(
      await drawn(page, 'tbody tr:first-child [data-thumb="drawn"] canvas'),
      'the first photo is drawn',
    );
    // Far below the window: not decoded yet.
    assert.equal(await rows.last().locator('.thumb').getAttribute('data-thumb'), 'icon');
    await rows.last().scrollIntoViewIfNeeded();
    await rows.last().locator('[data-thumb="drawn"]').waitFor();
    assert.ok(
      await drawn(page, 'tbody tr:last-child [data-thumb="drawn"] canvas'),
      'the last photo is drawn',
    );
    await page.close();
    assert.deepEqual(session.errors, []);
  });

  it('keeps two different photos of the same name, leaves out a copy under another name, and draws icons for the rest', async () => {
    const page = await open(1280, 800);
    await page.getByLabel('Processor').selectOption('copy');
    await page
      .locator('input[type="file"][multiple]')
      .setInputFiles(
        [
          'camera/photo.jpg',
          'phone/photo.jpg',
          'camera/copy of photo.jpg',
          'docs/notes.pdf',
          'docs/readme.txt',
        ].map((path) => join(session.scratch, path)),
      );
    const table = page.getByRole('table', { name: 'Files to send' });
    await page.getByRole('region', { name: 'Start the batch' }).getByText('4 files · ').waitFor();
    const names = await table.locator('td.lead').allInnerTexts();
    assert.deepEqual(
      names.map((n) => n.split('\n')[0]),
      ['photo.jpg', 'photo (2).jpg', 'notes.pdf', 'readme.txt'],
    );
    assert.match(names[1]!, /Sent as photo \(2\)\.jpg: another file is named photo\.jpg/);
    assert.equal(
      await page.getByRole('list', { name: 'Files left out' }).innerText(),
      'copy of photo.jpg: the same content as photo.jpg, which is in the list',
    );
    await table.locator('tbody tr').nth(1).locator('[data-thumb="drawn"]').waitFor();
    assert.equal(await table.locator('tbody tr').nth(2).locator('[data-kind="pdf"] svg').count(), 1);
    assert.equal(await table.locator('tbody tr').nth(3).locator('[data-kind="text"] svg').count(), 1);
    await page.screenshot({ path: join(SHOTS, 'new-batch-duplicates.png') });

    // The server names the two photos as the page said it would.
    await page.getByRole('button', { name: 'Start 4 files' }).click();
    await page.waitForURL(/\/batches\/b_\w+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await waitForBatch(session.server.url, id);
    assert.deepEqual((await allFiles(session.server.url, id)).map((f) => f.name).sort(), [
      'notes.pdf',
      'photo (2).jpg',
      'photo.jpg',
      'readme.txt',
    ]);
    await page.close();
    assert.deepEqual(session.errors, []);
  });

  it('lists the accepted types as extensions, not content types', async () => {
    const page = await open(390, 844, 'dark');
    const accepted = page.getByTestId('accepted');
    assert.equal(await accepted.innerText(), '.jpg .jpeg .jfif .png .webp .avif .tif .tiff .gif');
    assert.doesNotMatch(await page.getByRole('region', { name: /Drop files/ }).innerText(), /image\//);
    assert.equal(
      await page.locator('input[type="file"][multiple]').getAttribute('accept'),
      '.jpg,.jpeg,.jfif,.png,.webp,.avif,.tif,.tiff,.gif',
    );
    await page.screenshot({ path: join(SHOTS, 'new-batch-empty-dark-390.png') });
    await page.getByLabel('Processor').selectOption('copy');
    assert.equal(await accepted.innerText(), 'any file');
    await page.close();
    assert.deepEqual(session.errors, []);
  });
});
