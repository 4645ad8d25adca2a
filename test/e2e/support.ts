/**
 * What the browser tests share: Debian's Chromium (driven by playwright-core), the page built
 * fresh from web/, and real folders of files to give it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

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

export async function writeTree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [name, data] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), data);
  }
}
