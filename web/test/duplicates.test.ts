/**
 * Duplicates in a new batch are judged by content, not by name: the same bytes under another
 * name are left out with a note naming the file they repeat; a different file under a name
 * already taken is kept, renamed as the server would name it (`photo (2).jpg`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { END_BYTES, contentFingerprint } from '../src/fingerprint.js';
import { select, type Candidate } from '../src/selection.js';

const limits = { maxFiles: 100, maxFileBytes: 10_000_000, maxBatchBytes: 100_000_000 };
const jpeg = ['image/jpeg'];
const file = (path: string, content: string | Uint8Array<ArrayBuffer>, type = 'image/jpeg'): Candidate => ({
  path,
  file: new File([content], path.split('/').pop()!, { type }),
});
/** `size` bytes, all `fill` but for `at`, which is `mark`. */
function bytes(size: number, fill: number, at = -1, mark = 0): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size).fill(fill);
  if (at >= 0) data[at] = mark;
  return data;
}

describe('duplicates in a new batch', () => {
  it('keeps the same content under two names once, saying which file it repeats', async () => {
    const result = await select(
      [],
      [
        file('trip/a.jpg', 'same bytes'),
        file('trip/copy of a.jpg', 'same bytes'),
        file('trip/b.jpg', 'other!!!!!'),
      ],
      jpeg,
      limits,
    );
    assert.deepEqual(
      result.files.map((c) => c.path),
      ['trip/a.jpg', 'trip/b.jpg'],
    );
    assert.deepEqual(result.skipped, [
      { path: 'trip/copy of a.jpg', reason: 'the same content as trip/a.jpg, which is in the list' },
    ]);
  });

  it('finds a copy added later against the files already chosen', async () => {
    const first = await select([], [file('a.jpg', 'photo one')], jpeg, limits);
    const again = await select(first.files, [file('elsewhere/a-copy.jpg', 'photo one')], jpeg, limits);
    assert.deepEqual(
      again.files.map((c) => c.path),
      ['a.jpg'],
    );
    assert.match(again.skipped[0]!.reason, /the same content as a\.jpg/);
  });

  it('keeps a different file with the same name, under the name the server gives it', async () => {
    const first = await select([], [file('photo.jpg', 'the first photo')], jpeg, limits);
    const result = await select(
      first.files,
      [file('photo.jpg', 'a second photo'), file('PHOTO.jpg', 'and a third one')],
      jpeg,
      limits,
    );
    assert.deepEqual(
      result.files.map((c) => [c.path, c.renamedFrom]),
      [
        ['photo.jpg', undefined],
        ['photo (2).jpg', 'photo.jpg'],
        // Case-insensitively, as the server compares names (ZIP readers on macOS and Windows do).
        ['PHOTO (3).jpg', 'PHOTO.jpg'],
      ],
    );
    assert.deepEqual(result.skipped, []);
  });

  it('calls the same file picked again under the same name already in the list', async () => {
    const first = await select([], [file('a.jpg', 'photo')], jpeg, limits);
    const again = await select(first.files, [file('a.jpg', 'photo')], jpeg, limits);
    assert.equal(again.files.length, 1);
    assert.deepEqual(again.skipped, [{ path: 'a.jpg', reason: 'already in the list' }]);
  });

  it('reads only files that share their size with another, and never empty ones', async () => {
    const read: string[] = [];
    const fingerprint = async (f: File) => {
      read.push(f.name);
      return contentFingerprint(f);
    };
    const result = await select(
      [],
      [
        file('a.jpg', 'aaaa'),
        file('b.jpg', 'bbbb'),
        file('c.jpg', 'a longer one'),
        file('empty-1.txt', '', 'text/plain'),
        file('empty-2.txt', '', 'text/plain'),
      ],
      ['*/*'],
      limits,
      fingerprint,
    );
    assert.deepEqual(read.sort(), ['a.jpg', 'b.jpg']);
    assert.equal(result.files.length, 5, 'two empty files are two files');
  });

  it('leaves out a file that cannot be read, saying so, and keeps the others', async () => {
    const gone = file('b.jpg', 'bbbb');
    const result = await select([], [file('a.jpg', 'aaaa'), gone], jpeg, limits, async (f) =>
      f === gone.file ? Promise.reject(new Error('NotReadableError')) : contentFingerprint(f),
    );
    assert.deepEqual(
      result.files.map((c) => c.path),
      ['a.jpg'],
    );
    assert.deepEqual(result.skipped, [
      { path: 'b.jpg', reason: 'cannot be read: moved or deleted since it was chosen, or not allowed' },
    ]);
  });

  it('refilters a renamed file without renaming it again', async () => {
    const first = await select([], [file('a.jpg', 'one'), file('a.jpg', 'two!')], jpeg, limits);
    const again = await select([], first.files, jpeg, limits);
    assert.deepEqual(
      again.files.map((c) => [c.path, c.renamedFrom]),
      [
        ['a.jpg', undefined],
        ['a (2).jpg', 'a.jpg'],
      ],
    );
  });
});

describe('a content fingerprint', () => {
  it('is the size and the SHA-256 of the whole of a small file', async () => {
    assert.equal(
      await contentFingerprint(new Blob(['abc'])),
      // SHA-256 of "abc", the FIPS 180-2 example.
      '3:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('tells large files apart by their first or last 64 KiB', async () => {
    const size = 5 * END_BYTES;
    const base = await contentFingerprint(new Blob([bytes(size, 1)]));
    assert.notEqual(
      await contentFingerprint(new Blob([bytes(size, 1, 10, 2)])),
      base,
      'a change at the start',
    );
    assert.notEqual(
      await contentFingerprint(new Blob([bytes(size, 1, size - 10, 2)])),
      base,
      'a change at the end',
    );
    assert.notEqual(await contentFingerprint(new Blob([bytes(size + 1, 1)])), base, 'another size');
    assert.equal(await contentFingerprint(new Blob([bytes(size, 1)])), base, 'the same bytes');
  });

  it('reads no more than the two ends of a large file', async () => {
    // A change in the middle is not seen: the size and the ends are what is compared.
    const size = 5 * END_BYTES;
    assert.equal(
      await contentFingerprint(new Blob([bytes(size, 1, 2 * END_BYTES, 9)])),
      await contentFingerprint(new Blob([bytes(size, 1)])),
    );
  });
});
