import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accepted, fromFileList, select, type Candidate } from '../src/selection.js';

const limits = { maxFiles: 3, maxFileBytes: 100, maxBatchBytes: 150 };
// Each file of its own content (its path repeated), so none is taken for another's duplicate.
const candidate = (path: string, size: number, type = 'image/jpeg'): Candidate => ({
  path,
  file: new File([path.repeat(size).slice(0, size)], path.split('/').pop()!, { type }),
});

describe('the selection of a new batch', () => {
  it('keeps the files that fit and lists every other one with its reason', async () => {
    const result = await select(
      [],
      [
        candidate('trip/a.jpg', 40),
        candidate('trip/.DS_Store', 1, ''),
        candidate('trip/.hidden/b.jpg', 1),
        candidate('trip/notes.txt', 5, 'text/plain'),
        candidate('trip/huge.jpg', 101),
        candidate('trip/b.jpg', 60),
        candidate('trip/c.jpg', 60),
        candidate('trip/d.jpg', 10),
        candidate('trip/e.jpg', 10),
      ],
      ['image/jpeg', 'image/png'],
      limits,
    );
    assert.deepEqual(
      result.files.map((c) => c.path),
      ['trip/a.jpg', 'trip/b.jpg', 'trip/d.jpg'],
    );
    assert.deepEqual(result.skipped, [
      { path: 'trip/.DS_Store', reason: 'hidden file' },
      { path: 'trip/.hidden/b.jpg', reason: 'hidden file' },
      { path: 'trip/notes.txt', reason: 'not a type this processor takes (text/plain)' },
      { path: 'trip/huge.jpg', reason: 'larger than the limit of 100 B per file' },
      { path: 'trip/c.jpg', reason: 'over the limit of 150 B per batch' },
      { path: 'trip/e.jpg', reason: 'over the limit of 3 files per batch' },
    ]);
  });

  it('adds to what is already chosen without taking a file twice', async () => {
    const first = await select([], [candidate('a.jpg', 10)], ['image/jpeg'], limits);
    const again = await select(
      first.files,
      [candidate('a.jpg', 10), candidate('b.jpg', 10)],
      ['image/jpeg'],
      limits,
    );
    assert.deepEqual(
      again.files.map((c) => c.path),
      ['a.jpg', 'b.jpg'],
    );
    assert.deepEqual(again.skipped, [{ path: 'a.jpg', reason: 'already in the list' }]);
  });

  it('matches types exactly, by family (image/*), anything (*/*), and leaves an unknown type to the server', () => {
    assert.equal(accepted('image/png', ['image/jpeg']), false);
    assert.equal(accepted('image/png', ['image/*']), true);
    assert.equal(accepted('application/pdf', ['*/*']), true);
    assert.equal(accepted('', ['image/jpeg']), true);
  });

  it('takes the folder path a folder picker gives each file', () => {
    const file = new File(['x'], 'a.jpg');
    Object.defineProperty(file, 'webkitRelativePath', { value: 'trip/day1/a.jpg' });
    assert.deepEqual(
      fromFileList([file, new File(['y'], 'b.jpg')]).map((c) => c.path),
      ['trip/day1/a.jpg', 'b.jpg'],
    );
  });
});
