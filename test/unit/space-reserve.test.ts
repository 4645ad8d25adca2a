/**
 * The disk-space reserve of StatfsSpaceWatch: real bytes in the data folder, made at start,
 * kept across restarts when it is whole, and none when its size is 0.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StatfsSpaceWatch } from '../../src/storage/local/statfs-space-watch.js';

const BYTES = 64 * 1024;

describe('the space reserve', () => {
  let dir: string;
  let reserve: string;
  let watch: StatfsSpaceWatch | null;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filemill-reserve-'));
    reserve = join(dir, 'space-reserve');
    watch = null;
  });
  afterEach(async () => {
    watch?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const started = async (bytes: number): Promise<StatfsSpaceWatch> => {
    watch = new StatfsSpaceWatch({ path: dir, minFreeBytes: 1, reserve: { path: reserve, bytes } });
    await watch.start();
    return watch;
  };

  it('is written at start, every byte on disk', async () => {
    await started(BYTES);
    const file = await stat(reserve);
    assert.equal(file.size, BYTES);
    assert.ok(file.blocks * 512 >= BYTES, 'not sparse');
  });

  it('is kept as it is when a previous run left it whole', async () => {
    // Bytes a rewrite would replace with zeros: they show whether the file was written again.
    await writeFile(reserve, Buffer.alloc(BYTES, 0xaa));
    await started(BYTES);
    assert.deepEqual(await readFile(reserve), Buffer.alloc(BYTES, 0xaa));
  });

  it('is written again when the one left has another size', async () => {
    await writeFile(reserve, Buffer.alloc(BYTES / 2, 0xaa));
    await started(BYTES);
    assert.deepEqual(await readFile(reserve), Buffer.alloc(BYTES));
  });

  it('is counted as free space, and released on demand', async () => {
    const held = await started(BYTES);
    const { freeBytes } = await held.check();
    const disk = await statfs(dir);
    // Other writers on the filesystem move the figure a little: compare in halves of a reserve.
    assert.ok(
      Math.abs(freeBytes - disk.bavail * disk.bsize - BYTES) < BYTES / 2,
      'the reserve counts as free',
    );
    await held.releaseReserve();
    await assert.rejects(stat(reserve), { code: 'ENOENT' });
  });

  it('is not made when its size is 0', async () => {
    await started(0);
    await assert.rejects(stat(reserve), { code: 'ENOENT' });
  });
});
