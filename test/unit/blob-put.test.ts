/**
 * LocalBlobStorage.put: a body stored byte for byte however it is cut into chunks, its first
 * bytes given back, and nothing left at the key when the body is too large or fails midway —
 * with the file-system calls on the event loop (a local disk) and in the thread pool.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobTooLargeError } from '../../src/core/ports.js';
import { EVENT_LOOP_CALLS, THREAD_POOL_CALLS, type FsCalls } from '../../src/storage/local/fs-calls.js';
import { LocalBlobStorage } from '../../src/storage/local/local-blob-storage.js';

async function withStorage(
  calls: FsCalls,
  fn: (storage: LocalBlobStorage, root: string) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'filemill-blobs-'));
  try {
    const storage = new LocalBlobStorage(root, { calls });
    await storage.init();
    await fn(storage, root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** `data` cut into chunks of `size` bytes. */
function chunked(data: Buffer, size: number): Buffer[] {
  const chunks = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return chunks;
}

for (const calls of [EVENT_LOOP_CALLS, THREAD_POOL_CALLS]) {
  const where = calls === EVENT_LOOP_CALLS ? 'on the event loop' : 'in the thread pool';

  describe(`putting a blob, the calls ${where}`, () => {
    for (const [label, bytes, chunkBytes] of [
      ['an empty body', 0, 1],
      ['a small body in one chunk', 1500, 1500],
      ['a body in many small chunks', 10_000, 7],
      ['a body larger than one write, in 64 KiB chunks', 3 * 1024 * 1024 + 5, 64 * 1024],
    ] as const) {
      it(`stores ${label} byte for byte and gives back its first bytes`, async () => {
        await withStorage(calls, async (storage, root) => {
          const data = randomBytes(bytes);
          const stored = await storage.put('b_1/in/0', Readable.from(chunked(data, chunkBytes)), {
            keepHead: 4100,
          });
          assert.equal(stored.size, bytes);
          assert.deepEqual(stored.head, data.subarray(0, 4100));
          assert.deepEqual(await readFile(join(root, 'b_1/in/0')), data);
        });
      });
    }

    it('refuses a body past maxBytes and leaves nothing at the key', async () => {
      await withStorage(calls, async (storage, root) => {
        const body = Readable.from(chunked(randomBytes(600 * 1024), 16 * 1024));
        await assert.rejects(storage.put('b_1/in/0', body, { maxBytes: 500 * 1024 }), BlobTooLargeError);
        assert.deepEqual(await readdir(join(root, 'b_1/in')), []);
        assert.equal(body.destroyed, true, 'the rest of the body is not read');
      });
    });

    it('fails with the body that fails midway and leaves nothing at the key', async () => {
      await withStorage(calls, async (storage, root) => {
        async function* cut() {
          for (let i = 0; i < 8; i++) yield randomBytes(64 * 1024);
          throw new Error('connection reset');
        }
        await assert.rejects(storage.put('b_1/in/0', Readable.from(cut())), /connection reset/);
        assert.deepEqual(await readdir(join(root, 'b_1/in')), []);
      });
    });

    it('fails at once when its folder cannot be made, and ends a body still waiting for data', async () => {
      await withStorage(calls, async (storage, root) => {
        await writeFile(join(root, 'b_1'), 'a file where the folder should be');
        const body = new Readable({ read() {} }); // a client that sends nothing more
        await assert.rejects(storage.put('b_1/in/0', body), { code: 'ENOTDIR' });
        assert.equal(body.destroyed, true);
      });
    });

    it('fails with an error the body emits while its folder is being made', async () => {
      await withStorage(calls, async (storage, root) => {
        const body = new Readable({
          read() {
            this.destroy(new Error('connection reset'));
          },
        });
        await assert.rejects(storage.put('b_2/in/0', body), /connection reset/);
        assert.deepEqual(await readdir(join(root, 'b_2/in')), []);
      });
    });

    it('fails on a body closed before its end without an error, and leaves nothing', async () => {
      await withStorage(calls, async (storage, root) => {
        const body = new Readable({ read() {} });
        body.push(randomBytes(1000));
        setTimeout(() => body.destroy(), 10);
        await assert.rejects(storage.put('b_1/in/0', body), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
        assert.deepEqual(await readdir(join(root, 'b_1/in')), []);
      });
    });
  });
}

describe('putting a blob on a file system that writes part of what it is given', () => {
  // At most 1,000 bytes of the first chunk per call, as a write cut short before a failure is.
  const partial: FsCalls = {
    ...THREAD_POOL_CALLS,
    writev: (fd, chunks) => THREAD_POOL_CALLS.writev(fd, [chunks[0]!.subarray(0, 1000)]),
  };

  it('writes the rest until every byte is there', async () => {
    await withStorage(partial, async (storage, root) => {
      const data = randomBytes(600 * 1024 + 7);
      await storage.put('b_1/in/0', Readable.from(chunked(data, 64 * 1024)));
      assert.deepEqual(await readFile(join(root, 'b_1/in/0')), data);
    });
  });

  it('fails with the error the rest meets (a full disk), and leaves nothing', async () => {
    let calls = 0;
    const filling: FsCalls = {
      ...partial,
      writev: async (fd, chunks) => {
        if (++calls === 1) return partial.writev(fd, chunks);
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    };
    await withStorage(filling, async (storage, root) => {
      await assert.rejects(storage.put('b_1/in/0', Readable.from([randomBytes(5000)])), { code: 'ENOSPC' });
      assert.deepEqual(await readdir(join(root, 'b_1/in')), []);
    });
  });
});
