/**
 * Registers the test processors (sleep, crash, copy, …). Imported first by the test server
 * support: the processor registry reads this variable once, when it is first imported.
 *
 * And gives them a folder to remember things in across runs (`crash-once`, `fail-once`): a
 * sandboxed worker keeps nothing between files, and sees nothing but its workspace and this.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_PROCESSORS = new URL('../../fixtures/test-processors.ts', import.meta.url).pathname;
process.env.FILEMILL_TEST_PROCESSORS = TEST_PROCESSORS;
if (!process.env.FILEMILL_TEST_STATE_DIR) {
  const state = mkdtempSync(join(tmpdir(), 'filemill-test-state-'));
  // Sandboxed children run as a uid of their own when the tests run as root.
  chmodSync(state, 0o777);
  process.env.FILEMILL_TEST_STATE_DIR = state;
}
