/**
 * Reading a drop: the browser hands over entries (files and folders, folders read in
 * chunks); these fakes implement the part of the File and Directory Entries API the page
 * uses, so nested folders are walked here as Chromium walks them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromDataTransfer } from '../src/selection.js';

type Tree = { [name: string]: string | Tree };

function entry(fullPath: string, node: string | Tree): FileSystemEntry {
  const name = fullPath.split('/').pop()!;
  if (typeof node === 'string') {
    return {
      isFile: true,
      isDirectory: false,
      name,
      fullPath,
      file: (ok: (file: File) => void) => ok(new File([node], name, { type: 'image/jpeg' })),
    } as unknown as FileSystemEntry;
  }
  const children = Object.entries(node).map(([child, sub]) => entry(`${fullPath}/${child}`, sub));
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader() {
      // Like Chromium: at most two entries per call, then an empty chunk at the end.
      let next = 0;
      return {
        readEntries(ok: (entries: FileSystemEntry[]) => void) {
          ok(children.slice(next, next + 2));
          next += 2;
        },
      };
    },
  } as unknown as FileSystemEntry;
}

function dropped(items: { entry?: FileSystemEntry; file?: File }[]): DataTransferItemList {
  return items.map((item) => ({
    kind: 'file',
    webkitGetAsEntry: () => item.entry ?? null,
    getAsFile: () => item.file ?? null,
  })) as unknown as DataTransferItemList;
}

describe('a drop on the page', () => {
  it('walks dropped folders to the bottom, reading every chunk, and keeps each path', async () => {
    const trip = entry('/trip', {
      'a.jpg': 'a',
      day1: { 'b.jpg': 'b', 'c.jpg': 'c', deeper: { 'd.jpg': 'd' } },
      day2: { 'e.jpg': 'e' },
    });
    const loose = entry('/loose.jpg', 'z');
    const files = await fromDataTransfer(dropped([{ entry: trip }, { entry: loose }]));
    assert.deepEqual(
      files.map((c) => c.path),
      [
        'trip/a.jpg',
        'trip/day1/b.jpg',
        'trip/day1/c.jpg',
        'trip/day1/deeper/d.jpg',
        'trip/day2/e.jpg',
        'loose.jpg',
      ],
    );
    assert.equal(await files[3]!.file.text(), 'd');
  });

  it('takes a plain file when the browser gives no entry for it', async () => {
    const files = await fromDataTransfer(dropped([{ file: new File(['x'], 'plain.png') }]));
    assert.deepEqual(
      files.map((c) => c.path),
      ['plain.png'],
    );
  });
});
