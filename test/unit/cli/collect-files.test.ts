import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFiles } from '../../../src/cli/collect-files.js';
import { CliError } from '../../../src/cli/api-client.js';

describe('collectFiles', () => {
  let root: string;
  const trip = () => join(root, 'trip');
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'filemill-collect-'));
    const files: Record<string, string> = {
      'trip/a.jpg': 'aa',
      'trip/day1/b.JPG': 'bbb',
      'trip/day1/notes.txt': 'n',
      'trip/.DS_Store': 'x',
      'trip/.cache/c.jpg': 'c',
      'other/d.png': 'dddd',
      '.env': 'secret',
    };
    for (const [name, data] of Object.entries(files)) {
      await mkdir(join(root, name, '..'), { recursive: true });
      await writeFile(join(root, name), data);
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('walks a folder recursively, names files relative to it, and skips hidden files and folders', async () => {
    const files = await collectFiles([trip()]);
    assert.deepEqual(
      files.map((f) => [f.name, f.size]),
      [
        ['a.jpg', 2],
        ['day1/b.JPG', 3],
        ['day1/notes.txt', 1],
      ],
    );
    assert.equal(files[1]!.path, join(trip(), 'day1/b.JPG'));
  });

  it('matches a pattern without a slash at any depth, ignoring case; --exclude wins', async () => {
    const jpgs = await collectFiles([trip()], { include: ['*.jpg'] });
    assert.deepEqual(
      jpgs.map((f) => f.name),
      ['a.jpg', 'day1/b.JPG'],
    );
    const noDay1 = await collectFiles([trip()], { exclude: ['day1/**'] });
    assert.deepEqual(
      noDay1.map((f) => f.name),
      ['a.jpg'],
    );
    const both = await collectFiles([trip()], { include: ['*.jpg', '*.txt'], exclude: ['*.txt'] });
    assert.deepEqual(
      both.map((f) => f.name),
      ['a.jpg', 'day1/b.JPG'],
    );
  });

  it('keeps each folder name on top when several inputs are given, and takes a named file as is', async () => {
    const files = await collectFiles([trip(), join(root, 'other'), join(root, '.env')]);
    assert.deepEqual(
      files.map((f) => f.name),
      ['trip/a.jpg', 'trip/day1/b.JPG', 'trip/day1/notes.txt', 'other/d.png', '.env'],
    );
  });

  it('sends a file reached twice once, and never walks into a skipped folder', async () => {
    const files = await collectFiles([trip(), join(trip(), 'a.jpg'), trip()], {
      skip: [join(trip(), 'day1')],
    });
    assert.deepEqual(
      files.map((f) => f.name),
      ['trip/a.jpg'],
    );
  });

  it('refuses a path that does not exist with NOT_FOUND', async () => {
    await assert.rejects(
      collectFiles([join(root, 'nope')]),
      (error: unknown) =>
        error instanceof CliError && /^NOT_FOUND: there is no file or folder .*nope\.$/.test(error.message),
    );
  });
});
