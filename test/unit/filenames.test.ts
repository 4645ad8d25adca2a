import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dedupeNames, normaliseRelativePath, replaceExtension } from '../../src/core/filenames.js';

describe('normaliseRelativePath', () => {
  it('keeps a folder path', () => {
    assert.equal(normaliseRelativePath('trip/day1/a.jpg', 'x'), 'trip/day1/a.jpg');
  });
  it('removes traversal, absolute roots, drive letters and backslashes', () => {
    assert.equal(normaliseRelativePath('../../etc/passwd', 'x'), 'etc/passwd');
    assert.equal(normaliseRelativePath('/abs/./b.png', 'x'), 'abs/b.png');
    assert.equal(normaliseRelativePath('C:\\Users\\me\\..\\p.jpg', 'x'), 'Users/me/p.jpg');
  });
  it('strips NUL and control characters', () => {
    assert.equal(normaliseRelativePath('a\u0000b\n\u001bc.jpg', 'x'), 'abc.jpg');
  });
  it('drops the bidirectional controls that make a name show other than it is', () => {
    // Shown as "evilexe.jpg" with the override: it is an .exe.
    assert.equal(normaliseRelativePath('docs/evil\u202egpj.exe', 'x'), 'docs/evilgpj.exe');
    assert.equal(normaliseRelativePath('a\u2066b\u2069\u200f\u061c.pdf', 'x'), 'ab.pdf');
    // Right-to-left letters themselves stay.
    assert.equal(normaliseRelativePath('תמונות/שלום.jpg', 'x'), 'תמונות/שלום.jpg');
  });
  it('falls back when nothing is left', () => {
    assert.equal(normaliseRelativePath('../..', 'file-3'), 'file-3');
    assert.equal(normaliseRelativePath('', 'file-1'), 'file-1');
  });
  it('shortens very long segments but keeps the extension', () => {
    const name = normaliseRelativePath(`${'a'.repeat(500)}.jpeg`, 'x');
    assert.equal(name.length, 200);
    assert.ok(name.endsWith('.jpeg'));
  });
});

describe('dedupeNames', () => {
  it('numbers repeated names case-insensitively, keeping the extension', () => {
    assert.deepEqual(dedupeNames(['a.jpg', 'A.JPG', 'b/a.jpg', 'a.jpg']), [
      'a.jpg',
      'A (2).JPG',
      'b/a.jpg',
      'a (3).jpg',
    ]);
  });
});

describe('replaceExtension', () => {
  it('replaces only the last extension of the file, not of a folder', () => {
    assert.equal(replaceExtension('trip.v2/a.tar.jpg', '.webp'), 'trip.v2/a.tar.webp');
    assert.equal(replaceExtension('trip.v2/README', '.txt'), 'trip.v2/README.txt');
  });
});
