import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanRelativePath,
  dedupeNames,
  normaliseRelativePath,
  replaceExtension,
} from '../../src/core/filenames.js';

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
  it('drops zero-width and other format characters, and line and paragraph separators', () => {
    // Zero-width space, non-joiner, joiner; word joiner … invisible plus; BOM; soft hyphen.
    const hidden = '\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad';
    assert.equal(normaliseRelativePath(`in${hidden}voice.pdf`, 'x'), 'invoice.pdf');
    // A tag character (outside the BMP, category Cf) and U+2028/U+2029.
    assert.equal(normaliseRelativePath('a\u{e0041}b\u2028c\u2029.txt', 'x'), 'abc.txt');
    // Letters with marks, and spaces, are not hidden: they stay.
    assert.equal(normaliseRelativePath('Ère nouvelle — été.md', 'x'), 'Ère nouvelle — été.md');
  });
  it('never cuts a character in half when it shortens', () => {
    const name = normaliseRelativePath(`a${'😀'.repeat(150)}.png`, 'x');
    assert.ok(name.length <= 200);
    assert.ok(name.endsWith('😀.png'));
    assert.doesNotMatch(name, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone high surrogate');
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

describe('cleanRelativePath', () => {
  it('reports nothing for a name kept as sent, or changed only where it shows', () => {
    assert.deepEqual(cleanRelativePath('trip/day1/a.jpg', 'x'), { name: 'trip/day1/a.jpg', facts: null });
    assert.deepEqual(cleanRelativePath('C:\\docs\\..\\a.jpg', 'x'), { name: 'docs/a.jpg', facts: null });
  });
  it('reports unseen characters removed, with the raw name escaped as JSON would', () => {
    assert.deepEqual(cleanRelativePath('docs/evil\u202egpj.exe', 'x'), {
      name: 'docs/evilgpj.exe',
      facts: { nameCharactersRemoved: 1, originalName: 'docs/evil\\u202egpj.exe' },
    });
    // Outside the BMP by UTF-16 code unit; a backslash of the name escaped too, so that a
    // name spelling "\u202e" cannot pass for one that held the character.
    const { facts } = cleanRelativePath('a\u{e0041}\\u202e\u0007.txt', 'x');
    assert.deepEqual(facts, {
      nameCharactersRemoved: 2,
      originalName: 'a\\udb40\\udc41\\\\u202e\\u0007.txt',
    });
    assert.equal(
      JSON.parse(`"${facts!.originalName!}"`),
      'a\u{e0041}\\u202e\u0007.txt',
      'JSON reads it back',
    );
  });
  it('reports a name cut to the limit, keeping at most 1,024 characters of the raw one', () => {
    const raw = `${'n'.repeat(296)}.txt`;
    const { name, facts } = cleanRelativePath(raw, 'x');
    assert.equal(name, `${'n'.repeat(196)}.txt`);
    assert.deepEqual(facts, { nameShortened: true, originalName: raw });
    const huge = cleanRelativePath(`${'h'.repeat(5000)}.txt`, 'x').facts!;
    assert.equal(huge.originalName, `${'h'.repeat(1024)}…`);
    const deep = cleanRelativePath(Array.from({ length: 40 }, (_, i) => `d${i}`).join('/'), 'x');
    assert.equal(deep.name.split('/').length, 32);
    assert.equal(deep.facts?.nameShortened, true, 'folders dropped past 32 levels');
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
