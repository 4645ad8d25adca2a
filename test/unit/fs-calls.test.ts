/**
 * Which file-system calls a folder gets: on the event loop on a local disk, through the thread
 * pool on any filesystem not known to be local.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  EVENT_LOOP_CALLS,
  THREAD_POOL_CALLS,
  fsCallsFor,
  isLocalFilesystem,
} from '../../src/storage/local/fs-calls.js';

describe('the file-system calls of a folder', () => {
  it('are made on the event loop for a folder on a local filesystem', async (t) => {
    const { type } = await statfs(tmpdir());
    // ext4, XFS, Btrfs, tmpfs or overlayfs on every machine this runs on; said, not assumed.
    if (!isLocalFilesystem(type)) {
      t.skip(`${tmpdir()} is on filesystem 0x${type.toString(16)}`);
      return;
    }
    assert.equal(await fsCallsFor(tmpdir()), EVENT_LOOP_CALLS);
  });

  it('go through the thread pool on a filesystem not known to be local (procfs here)', async () => {
    assert.equal(await fsCallsFor('/proc'), THREAD_POOL_CALLS);
  });

  it('know the local filesystems by their magic numbers, and no network one', () => {
    for (const [name, type] of Object.entries({
      ext4: 0xef53,
      xfs: 0x58465342,
      btrfs: 0x9123683e,
      tmpfs: 0x01021994,
    }))
      assert.equal(isLocalFilesystem(type), true, name);
    for (const [name, type] of Object.entries({
      nfs: 0x6969,
      smb2: 0xfe534d42,
      cifs: 0xff534d42,
      fuse: 0x65735546,
      proc: 0x9fa0,
    }))
      assert.equal(isLocalFilesystem(type), false, name);
  });

  it('leave creating files, writing, unlinking, renaming and reading folders to the thread pool even on a local disk', () => {
    for (const call of ['writev', 'unlink', 'rename', 'readdir'] as const)
      assert.equal(EVENT_LOOP_CALLS[call], THREAD_POOL_CALLS[call], call);
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
