/**
 * Which file-system calls a folder gets: on the event loop on a local disk, through the thread
 * pool on any filesystem not known to be local.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { EVENT_LOOP_CALLS, THREAD_POOL_CALLS, fsCallsFor } from '../../src/storage/local/fs-calls.js';

describe('the file-system calls of a folder', () => {
  it('are made on the event loop for a folder on a local filesystem', async (t) => {
    const { type } = await statfs(tmpdir());
    // ext4, XFS, Btrfs, tmpfs or overlayfs on every machine this runs on; said, not assumed.
    if (![0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x794c7630].includes(type)) {
      t.skip(`${tmpdir()} is on filesystem 0x${type.toString(16)}`);
      return;
    }
    assert.equal(await fsCallsFor(tmpdir()), EVENT_LOOP_CALLS);
  });

  it('go through the thread pool on a filesystem not known to be local (procfs here)', async () => {
    assert.equal(await fsCallsFor('/proc'), THREAD_POOL_CALLS);
  });

  it('fail alike on either side: a rejection with the error code', async () => {
    for (const calls of [EVENT_LOOP_CALLS, THREAD_POOL_CALLS]) {
      const missing = `${tmpdir()}/filemill-no-such-file-${process.pid}`;
      await assert.rejects(calls.lstat(missing), { code: 'ENOENT' });
      await assert.rejects(calls.unlink(missing), { code: 'ENOENT' });
      await assert.rejects(calls.open(missing, 'r'), { code: 'ENOENT' });
    }
  });
});
