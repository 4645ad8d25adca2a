/**
 * The page on a server that needs API keys, in Chromium, as people use it: the sign-in (a
 * wrong key said in the form, the right one opening the page), a batch uploaded and followed
 * live with the key, its share link copied and opened in a fresh browser — read-only, live,
 * downloads working, no write control — a link made again from another browser ending the
 * first, a revoked key bringing the sign-in back, and signing out. Screenshots of the sign-in
 * and the shared view at a phone's and a desktop's width go to test-output/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createKey } from '../integration/support/keys.js';
import { readZip } from '../integration/support/zip.js';
import { SHOTS, skip, startSession, writeTree, type E2eSession } from './support.js';

interface Watched {
  page: Page;
  /** Page errors, CSP violations, failed requests other than the 401s a test expects. */
  errors: string[];
  /** Every HTTP request the page made (the WebSocket is not one). */
  requests: string[];
}

async function open(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  const watched: Watched = { page, errors: [], requests: [] };
  page.on('pageerror', (error) => watched.errors.push(`the page threw: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  page.on('request', (request) => watched.requests.push(request.url()));
  return watched;
}

/** The console's line for a refused call the test caused on purpose. */
const expected401 = (line: string) => /status of 401/.test(line);

async function sessionEntries(page: Page): Promise<string[]> {
  return page.evaluate<string[]>("Object.keys(sessionStorage).filter((k) => k.startsWith('filemill.'))");
}

describe('the web page on a server that needs API keys', { skip }, () => {
  let session: E2eSession;
  let alice: string;
  let owner: Watched;
  let batchId: string;
  let shareLink: string;

  before(async () => {
    session = await startSession('access', { concurrency: 2 });
    alice = await createKey(session.server.filemill.store, 'alice');
    const context = await session.browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    owner = await open(context);
  });
  after(() => session?.close());

  it('shows the sign-in instead of the page, and says so when a key is wrong', async () => {
    const { page } = owner;
    await page.goto(session.server.url);
    const form = page.getByRole('region', { name: 'Sign in' });
    await form.waitFor();
    assert.match(await form.innerText(), /This server needs an API key/);
    assert.match(await form.innerText(), /filemill keys create --name NAME/);
    const field = page.getByLabel('API key');
    assert.equal(await field.getAttribute('type'), 'password');
    assert.equal(await page.locator(':focus').getAttribute('type'), 'password', 'the focus is in the field');
    assert.equal(await page.getByRole('link', { name: 'New batch' }).count(), 0);
    await page.screenshot({ path: join(SHOTS, 'access-signin-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'access-signin-390.png'), fullPage: true });
    assert.equal(
      await page.evaluate('document.documentElement.scrollWidth'),
      390,
      'nothing wider than a phone',
    );
    await page.setViewportSize({ width: 1280, height: 900 });

    await field.fill(`fm_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /That key was not accepted: it is wrong, or it has been revoked/);
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    await page.screenshot({ path: join(SHOTS, 'access-signin-wrong-1280.png'), fullPage: true });
    assert.deepEqual(await sessionEntries(page), [], 'a refused key is not kept');
  });

  it('opens the page with the right key, uploads a folder and follows it live', async () => {
    const { page } = owner;
    await page.getByLabel('API key').fill(alice);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Process a folder of files' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.deepEqual(await sessionEntries(page), ['filemill.key']);
    assert.equal(await page.evaluate('localStorage.length'), 0, 'nothing in localStorage');

    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`shared/f${i}.txt`] = `file ${i}`;
    await writeTree(session.scratch, files);
    await page.getByLabel('Processor').selectOption('sleep');
    await page.getByText('Settings: default').click();
    await page.getByLabel('ms', { exact: true }).fill('1500');
    await page.getByTestId('folder-input').setInputFiles(join(session.scratch, 'shared'));
    await page.getByRole('button', { name: 'Start 10 files' }).click();
    await page.waitForURL(/\/batches\/b_\w+$/);
    batchId = new URL(page.url()).pathname.split('/').pop()!;
    // The WebSocket carries the key in its query (a browser cannot give it a header): live.
    await page.locator('.connection.live').waitFor();
  });

  it('copies the share link without asking the server for a new one', async () => {
    const { page } = owner;
    assert.match(
      await page.locator('.share .hint').innerText(),
      /^Read-only: whoever has the link sees this batch/,
    );
    const before = owner.requests.length;
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    shareLink = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.match(shareLink, new RegExp(`^${session.server.url}/batches/${batchId}\\?token=[\\w-]+$`));
    assert.equal(await page.getByLabel('Share link').inputValue(), shareLink);
    await page.screenshot({ path: join(SHOTS, 'access-owner-copied-1280.png') });
    assert.deepEqual(
      owner.requests.slice(before).filter((u) => u.endsWith('/token')),
      [],
      'the token from the upload is used',
    );
  });

  it('opens the share link in a fresh browser read-only: live, with downloads, no write control', async () => {
    const context = await session.browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const guest = await open(context);
    const { page } = guest;
    await page.goto(shareLink);
    await page.getByText('Shared view — read only').waitFor();
    assert.equal(page.url(), `${session.server.url}/batches/${batchId}`, 'the token left the address');
    await page.getByRole('heading', { name: 'shared', exact: true }).waitFor();
    await page.locator('.connection.live').waitFor();
    // Events arrive while it runs: rows turn to succeeded one after the other.
    const done = page.locator('tr[data-status="succeeded"]');
    const seen = await done.count();
    assert.ok(seen < 10, `the batch was still running (${seen} done)`);
    await done.nth(9).waitFor({ timeout: 60_000 });
    await page.getByRole('region', { name: 'Summary' }).waitFor();
    // A file's name is a button too, which only shows its details.
    assert.equal(
      await page.getByRole('button', { name: /cancel|retry|copy link|sign out/i }).count(),
      0,
      'no cancel, retry, copy link or sign out',
    );
    assert.equal(await page.getByRole('link', { name: 'New batch' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Past batches' }).count(), 0);
    await page.screenshot({ path: join(SHOTS, 'access-shared-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'access-shared-390.png'), fullPage: true });
    assert.equal(
      await page.evaluate('document.documentElement.scrollWidth'),
      390,
      'nothing wider than a phone',
    );
    await page.setViewportSize({ width: 1280, height: 900 });

    const zipLink = page.getByRole('link', { name: 'Download results (ZIP)' });
    assert.match((await zipLink.getAttribute('href'))!, /\/results\.zip\?token=/);
    const [download] = await Promise.all([page.waitForEvent('download'), zipLink.click()]);
    const zipPath = join(session.scratch, 'shared.zip');
    await download.saveAs(zipPath);
    const entries = [...(await readZip(await readFile(zipPath))).keys()].sort();
    assert.deepEqual(entries, ['report.json', ...Array.from({ length: 10 }, (_, i) => `shared/f${i}.txt`)]);
    const [output] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Output of shared/f3.txt' }).click(),
    ]);
    assert.equal(await readFile((await output.path())!, 'utf8'), 'file 3');
    assert.deepEqual(guest.errors, []);
    assert.ok(!guest.requests.some((u) => u.includes(alice)));
    await context.close();
  });

  it('downloads with the key without ever putting it in a URL', async () => {
    const { page } = owner;
    await page.getByRole('region', { name: 'Summary' }).waitFor({ timeout: 60_000 });
    const zipLink = page.getByRole('link', { name: 'Download results (ZIP)' });
    assert.doesNotMatch((await zipLink.getAttribute('href'))!, /token=/);
    const [download] = await Promise.all([page.waitForEvent('download'), zipLink.click()]);
    assert.equal(download.suggestedFilename(), 'shared-results.zip');
    const entries = [...(await readZip(await readFile((await download.path())!))).keys()];
    assert.equal(entries.length, 11);
    assert.ok(!owner.requests.some((u) => u.includes(alice)), 'no HTTP request has the key in its URL');
    assert.ok(!page.url().includes('fm_'));
  });

  it('makes a new link from another browser, which ends the first one', async () => {
    const context = await session.browser.newContext({
      viewport: { width: 1280, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const other = await open(context);
    const { page } = other;
    await page.goto(`${session.server.url}/batches/${batchId}`);
    await page.getByLabel('API key').fill(alice);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'shared', exact: true }).waitFor();
    assert.match(
      await page.locator('.share .hint').innerText(),
      /^Makes a new read-only link: links given out before for this batch stop working\./,
    );
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    const second = await page.getByLabel('Share link').inputValue();
    assert.notEqual(second, shareLink);

    const guest = await open(await session.browser.newContext());
    await guest.page.goto(shareLink);
    await guest.page.getByText('This share link no longer works').waitFor();
    await guest.page.goto(second);
    await guest.page.getByRole('heading', { name: 'shared', exact: true }).waitFor();
    await context.close();
  });

  it('brings the sign-in back when the key is revoked, and signs out', async () => {
    const { page } = owner;
    await session.server.filemill.store.revokeApiKey('alice', Date.now());
    await page.getByRole('link', { name: 'Past batches' }).click();
    const form = page.getByRole('region', { name: 'Sign in' });
    await form.waitFor();
    assert.match(await form.innerText(), /no longer accepts the key this tab had/);
    assert.deepEqual(await sessionEntries(page), [`filemill.token.${batchId}`], 'the refused key is dropped');

    const bob = await createKey(session.server.filemill.store, 'bob');
    await page.getByLabel('API key').fill(bob);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Past batches' }).waitFor();
    assert.match(await page.locator('main').innerText(), /No batches yet/, "bob does not see alice's batch");
    await page.getByRole('button', { name: 'Sign out' }).click();
    await form.waitFor();
    assert.match(await form.innerText(), /Signed out/);
    assert.deepEqual(await sessionEntries(page), []);
    assert.deepEqual(
      owner.errors.filter((e) => !expected401(e)),
      [],
    );
  });
});
