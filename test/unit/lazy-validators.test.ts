/**
 * The schemas compiled on first use (the settings, the commands file, the Redis event message)
 * report exactly what they reported when they were compiled at import: the first call here is
 * the one that compiles, and each case compares it with a later, cached call. Nothing else in
 * this file's process has used these validators before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { CommandsFileError, validateCommands } from '../../src/processors/commands/config.js';
import { decodeMessage, encodeMessage } from '../../src/events/redis/event-message.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof CommandsFileError) return error.problems;
    throw error;
  }
  assert.fail('expected the call to be refused');
}

describe('validators compiled on first use', () => {
  it('name every bad setting on the first loadConfig, as on later ones', () => {
    const bad = () =>
      loadConfig({
        env: { FILEMILL_PORT: 'eighty', FILEMILL_SANDBOX: 'docker', FILEMILL_MAX_BATCH_BYTES: '1 lots' },
        overrides: { concurrency: '-1' },
      });
    const first = problemsOf(bad);
    assert.equal(first.length, 4);
    assert.match(first.join('\n'), /^FILEMILL_PORT: must be integer \(got "eighty"\)$/m);
    assert.match(first.join('\n'), /^FILEMILL_SANDBOX: must be one of auto, bwrap, permission, none/m);
    assert.match(first.join('\n'), /^FILEMILL_MAX_BATCH_BYTES: must be a size/m);
    assert.match(first.join('\n'), /^--concurrency: /m);
    assert.deepEqual(problemsOf(bad), first);
    assert.equal(loadConfig({ env: {} }).port, 8080);
  });

  it('name every bad field of a commands file on the first check, as on later ones', () => {
    const opts = { reserved: new Set(['image']), path: process.env.PATH };
    const bad = () =>
      validateCommands(
        { commands: [{ name: 'Bad Name', title: '', argv: [], outputExt: 'txt', x: 1 }] },
        opts,
      );
    const first = problemsOf(bad);
    assert.ok(first.length >= 4, first.join('\n'));
    assert.match(first.join('\n'), /has unknown fields: x/);
    assert.deepEqual(problemsOf(bad), first);
  });

  it('drop a foreign Redis message on the first decode, and read ours', () => {
    const foreign = JSON.stringify({ v: 1, events: [{ seq: 0 }] });
    assert.deepEqual(decodeMessage('b_1', foreign), { problem: 'not an event message of version 1' });
    assert.deepEqual(decodeMessage('b_1', foreign), { problem: 'not an event message of version 1' });
    const event = {
      seq: 1,
      type: 'batch.queued',
      batchId: 'b_1',
      at: 1,
      status: 'queued',
      counts: { queued: 1, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 },
      progress: 0,
      etaMs: null,
    };
    const decoded = decodeMessage('b_1', encodeMessage([event as never]));
    assert.ok(Array.isArray(decoded), JSON.stringify(decoded));
  });
});
