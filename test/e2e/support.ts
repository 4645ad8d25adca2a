/**
 * What the browser tests share: Debian's Chromium (driven by playwright-core), the page built
 * fresh from web/, and real folders of files to give it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ConfigKey } from '../../src/config/schema.js';
import { startTestServer, type TestServer } from '../integration/support/server.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHOTS = join(ROOT, 'test-output');
const CHROMIUM = process.env.FILEMILL_CHROMIUM ?? '/usr/bin/chromium';
const found = existsSync(CHROMIUM);
if (!found && process.env.CI)
  throw new Error(`CI needs Chromium at ${CHROMIUM} (.ci/run installs it with apt)`);
/** For `describe(…, { skip })`: false, or why the browser tests cannot run here. */
export const skip = found
  ? false
  : `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set FILEMILL_CHROMIUM)`;

/**
 * Builds the page under test from web/ now, not an older build; makes test-output/. Under
 * scripts/test.sh the page was built at the start of this run (FILEMILL_TEST_PAGE_BUILT):
 * files run side by side there, and a build here would empty dist/web under the others.
 */
export async function buildPage(): Promise<void> {
  if (process.env.FILEMILL_TEST_PAGE_BUILT === '1') {
    await mkdir(SHOTS, { recursive: true });
    return;
  }
  await promisify(execFile)(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', 'web', '--logLevel', 'warn'],
    { cwd: ROOT },
  );
  await mkdir(SHOTS, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A browser test's setting: the page built, a server, Chromium and a scratch folder. */
export interface E2eSession {
  server: TestServer;
  browser: Browser;
  /** The test's own folder for the files it gives the page; `close` removes it. */
  scratch: string;
  /** What the watched pages threw (or logged as errors): a test asserts it stays empty. */
  errors: string[];
  /**
   * Records into `errors` what `page` throws, and with `console` its console errors too: a
   * Content-Security-Policy violation or a failed request shows up only there.
   */
  watch(page: Page, opts?: { console?: boolean }): Page;
  /** Closes the browser, then the server (its data folder with it), then removes `scratch`. */
  close(): Promise<void>;
}

/**
 * Builds the page, makes a scratch folder (`filemill-e2e-<name>-…`) and starts a server with
 * `settings` and Chromium, for a test file's `before`. What started is stopped again when the
 * rest fails, so that a file whose `before` threw leaves no server or browser running.
 */
export async function startSession(
  name: string,
  settings: Partial<Record<ConfigKey, string | number>> = {},
): Promise<E2eSession> {
  await buildPage();
  const scratch = await mkdtemp(join(tmpdir(), `filemill-e2e-${name}-`));
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  };
  try {
    server = await startTestServer(settings);
    browser = await launchChromium();
  } catch (error) {
    await close();
    throw error;
  }
  const errors: string[] = [];
  return {
    server,
    browser,
    scratch,
    errors,
    watch(page, { console: consoleToo = false } = {}) {
      page.on('pageerror', (error) => errors.push(`the page threw: ${error.message}`));
      if (consoleToo)
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
      return page;
    },
    close,
  };
}

export async function writeTree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [name, data] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), data);
  }
}
