/**
 * axe-core (through @axe-core/playwright) on every state of the page a person meets, at a
 * desktop's width in the light scheme and a phone's in the dark: no serious or critical
 * violation of WCAG 2.1 A/AA. Each state is also kept as a screenshot in test-output/ (a11y-<state>-<width>-<scheme>.png)
 * for a person to look at.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { photoJpeg } from '../integration/support/images.js';
import { submit, waitForBatch } from '../integration/support/server.js';
import { SHOTS, skip, startSession, writeTree, type E2eSession } from './support.js';

const WIDTHS = [1280, 390] as const;
const SCHEMES = ['light', 'dark'] as const;

/** The serious and critical violations on the page as it is, one line each. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the page under axe-core', { skip }, () => {
  let session: E2eSession;
  let running = '';
  let finished = '';

  before(async () => {
    session = await startSession('a11y', { concurrency: 1 });
    const photos: Record<string, Buffer> = {};
    for (let i = 0; i < 3; i++) photos[`trip/IMG_${i}.jpg`] = await photoJpeg(320, 240, i + 1);
    photos['trip/notes.txt'] = Buffer.from('not a photo');
    await writeTree(session.scratch, photos);
    const done = await submit(
      session.server.url,
      Array.from({ length: 6 }, (_, i) => ({ name: `docs/f${i}.txt`, data: `file ${i}\n` })),
      { processor: 'copy' },
    );
    finished = done.body.id as string;
    await waitForBatch(session.server.url, finished);
    const slow = await submit(
      session.server.url,
      Array.from({ length: 3 }, (_, i) => ({ name: `slow/f${i}.txt`, data: `file ${i}\n` })),
      { processor: 'sleep', settings: JSON.stringify({ ms: 120_000 }) },
    );
    running = slow.body.id as string;
  });
  after(async () => {
    if (running) await fetch(`${session.server.url}/api/batches/${running}/cancel`, { method: 'POST' });
    await session?.close();
  });

  /** Each state: how to reach it from a fresh page, and what shows it is there. */
  const states: Record<string, (page: Page) => Promise<void>> = {
    'new-batch': async (page) => {
      await page.goto(session.server.url);
      await page.getByTestId('folder-input').waitFor({ state: 'attached' });
    },
    'files-chosen': async (page) => {
      await page.goto(session.server.url);
      await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'trip'));
      await page.getByText('3 files', { exact: false }).first().waitFor();
    },
    'batch-running': async (page) => {
      await page.goto(`${session.server.url}/batches/${running}`);
      await page.locator('tr[data-status="running"]').first().waitFor();
    },
    'batch-finished': async (page) => {
      await page.goto(`${session.server.url}/batches/${finished}`);
      await page.getByRole('link', { name: 'Report (CSV)' }).waitFor();
    },
    'past-batches': async (page) => {
      await page.goto(`${session.server.url}/batches`);
      await page.getByRole('table', { name: 'Past batches' }).waitFor();
    },
  };

  for (const [state, reach] of Object.entries(states)) {
    it(`finds nothing serious on ${state}, at 1280 and 390 px, light and dark`, async () => {
      const found: string[] = [];
      for (const width of WIDTHS) {
        for (const colorScheme of SCHEMES) {
          // axe-core's runner needs a page of a context of its own.
          const context = await session.browser.newContext({ viewport: { width, height: 844 }, colorScheme });
          const page = await context.newPage();
          try {
            await reach(page);
            await page.screenshot({ path: join(SHOTS, `a11y-${state}-${width}-${colorScheme}.png`) });
            // Colours are checked in both schemes, the layout at both widths: two of the four
            // combinations cover them, at half the time of axe-core's runs.
            if ((width === 1280) === (colorScheme === 'light')) {
              for (const v of await violations(page)) found.push(`${width} px ${colorScheme}: ${v}`);
            }
          } finally {
            await context.close();
          }
        }
      }
      assert.deepEqual(found, []);
    });
  }
});
