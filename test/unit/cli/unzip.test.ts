import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { unzipInto } from '../../../src/cli/unzip.js';

async function zipOf(path: string, entries: Record<string, string>): Promise<void> {
  const zip = new ZipFile();
  for (const [name, data] of Object.entries(entries)) zip.addBuffer(Buffer.from(data), name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

describe('unzipInto', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filemill-unzip-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps the layout, renames on request, and never overwrites a name this run already wrote', async () => {
    const zip = join(dir, 'r.zip');
    await zipOf(zip, { 'report.json': '{}', '..x.webp': 'dots', 'd/a.webp': 'second' });
    const out = join(dir, 'out');
    const taken = new Set(['d/a.webp']);
    const written = await unzipInto(zip, out, {
      taken,
      rename: (name) => (name === 'report.json' ? 'report-b_1.json' : name),
    });
    assert.deepEqual(written, ['report-b_1.json', '..x.webp', 'd/a (2).webp']);
    assert.equal(
      await readFile(join(out, '..x.webp'), 'utf8'),
      'dots',
      'a name starting with dots is a name',
    );
    assert.equal(await readFile(join(out, 'd/a (2).webp'), 'utf8'), 'second');
    assert.ok(taken.has('d/a (2).webp'));
  });

  it('refuses a name that a rename would take out of the folder', async () => {
    const zip = join(dir, 's.zip');
    await zipOf(zip, { 'a.txt': 'a' });
    await assert.rejects(
      unzipInto(zip, join(dir, 'out2'), { rename: () => '../escaped.txt' }),
      /^CliError: UNSAFE_PATH/,
    );
  });
});
