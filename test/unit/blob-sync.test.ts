/**
 * LocalBlobStorage.sync: what a batch's 202 makes durable — every file and folder under the
 * prefix, and the folders holding the names from it up to the root; nothing beside it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { LocalBlobStorage } from '../../src/storage/local/local-blob-storage.js';
import { inputKey, inputsKey, outputKey } from '../../src/service/upload.js';

describe('syncing a prefix of the blob store', () => {
  it('fsyncs the inputs, their folders up to the root, and not the outputs beside them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'filemill-blobs-'));
    try {
      const synced: string[] = [];
      const storage = new LocalBlobStorage(root, {
        fsync: async (path) => void synced.push(relative(root, path) || '.'),
      });
      await storage.init();
      for (const key of [inputKey('b_1', 0), inputKey('b_1', 1), outputKey('b_1', 0), inputKey('b_2', 0)])
        await storage.put(key, Readable.from([Buffer.from(key)]));

      await storage.sync(inputsKey('b_1'));

      assert.deepEqual(synced.sort(), ['.', 'b_1', 'b_1/in', 'b_1/in/0', 'b_1/in/1']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('fsyncs for real by default, and fails on a prefix that is not there', async () => {
    const root = await mkdtemp(join(tmpdir(), 'filemill-blobs-'));
    try {
      const storage = new LocalBlobStorage(root);
      await storage.init();
      await storage.put(inputKey('b_1', 0), Readable.from([Buffer.from('x')]));
      await storage.sync(inputsKey('b_1'));
      await assert.rejects(storage.sync(inputsKey('b_9')), { code: 'ENOENT' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('fsyncs the files of a large batch a few at a time, and after a failure starts no more', async () => {
    const root = await mkdtemp(join(tmpdir(), 'filemill-blobs-'));
    try {
      let inFlight = 0;
      let most = 0;
      const started: string[] = [];
      let failedAt = -1;
      const storage = new LocalBlobStorage(root, {
        fsync: async (path) => {
          started.push(path);
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inFlight -= 1;
          if (path.endsWith('/in/150')) {
            failedAt = started.length;
            throw Object.assign(new Error('input/output error'), { code: 'EIO' });
          }
        },
      });
      await storage.init();
      for (let i = 0; i < 300; i++) await storage.put(inputKey('b_1', i), Readable.from([Buffer.from('x')]));

      await assert.rejects(storage.sync(inputsKey('b_1')), { code: 'EIO' });

      assert.ok(most > 1 && most <= 64, `at most 64 at once, and more than one (${most})`);
      assert.equal(inFlight, 0, 'every fsync under way had ended when it failed');
      assert.ok(started.length < 300, `no file started after the failure (${started.length} started)`);
      assert.ok(started.length <= failedAt + 64, 'only those already under way went on');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
