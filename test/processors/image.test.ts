/**
 * The image processor on real images: every preset's size and format, orientation, alpha,
 * animation, metadata, and hostile inputs (truncated, pixel bomb, blocked formats) — run in
 * this process for speed, and once through the real sandboxed pool.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp, { type Metadata } from 'sharp';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import { run } from '../../src/processors/image/run.js';
import { ProcessorError, type RunResult } from '../../src/processors/processor.js';
import { resolveSettings } from '../../src/processors/settings.js';
import { ProcessPool } from '../../src/worker/process-pool.js';
import { makeImageFixtures, type ImageFixtures } from './image-fixtures.js';

const limits = { maxInputPixels: 40_000_000, maxOutputBytes: 100 * 1024 * 1024 };
const TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  svg: 'image/png',
};

describe('image processor', () => {
  let fx: ImageFixtures;
  let n = 0;
  before(async () => {
    fx = await makeImageFixtures();
  });
  after(() => fx.remove());

  /** Runs `preset` (+ overrides) on `input`; returns the result, the output's metadata and the progress seen. */
  async function convert(input: string, preset: string, overrides: Record<string, unknown> = {}) {
    const { settings } = resolveSettings(imageProcessor, preset, overrides);
    const outputPath = join(fx.dir, `out-${++n}`);
    const progress: number[] = [];
    const ctx = { progress: (p: number) => progress.push(p), signal: new AbortController().signal, limits };
    const contentType = TYPES[input.split('.').pop() ?? ''] ?? null;
    const result: RunResult = await run(
      { inputPath: input, outputPath, contentType, name: 'x' },
      settings,
      ctx,
    );
    const meta = await sharp(outputPath, { animated: true }).metadata();
    return { result, meta, progress, outputPath };
  }

  const size = (meta: Metadata): [number | undefined, number | undefined] => [
    meta.width,
    meta.pageHeight ?? meta.height,
  ];

  it('web: fits a large photo inside 2048 × 2048 as WebP, reporting details and progress', async () => {
    const { result, meta, progress } = await convert(fx.photo, 'web');
    assert.equal(meta.format, 'webp');
    assert.deepEqual(size(meta), [2048, 1365]);
    assert.equal(result.outputType, 'image/webp');
    assert.deepEqual(result.details, {
      width: 2400,
      height: 1600,
      format: 'jpeg',
      frames: 1,
      outputWidth: 2048,
      outputHeight: 1365,
      outputFormat: 'webp',
    });
    assert.deepEqual(progress, [10, 100]);
  });

  it('thumbnail: crops a photo to 320 × 320 WebP', async () => {
    const { meta } = await convert(fx.photo, 'thumbnail');
    assert.equal(meta.format, 'webp');
    assert.deepEqual(size(meta), [320, 320]);
  });

  it('web, thumbnail and archive keep the alpha of a PNG', async () => {
    const web = await convert(fx.alpha, 'web');
    assert.deepEqual([web.meta.format, ...size(web.meta), web.meta.hasAlpha], ['webp', 400, 300, true]);
    const thumb = await convert(fx.alpha, 'thumbnail');
    assert.deepEqual([thumb.meta.format, ...size(thumb.meta)], ['webp', 320, 320]);
    const archive = await convert(fx.alpha, 'archive');
    assert.deepEqual(
      [archive.meta.format, archive.meta.compression, ...size(archive.meta)],
      ['heif', 'av1', 400, 300],
    );
    assert.equal(archive.result.outputType, 'image/avif');
    assert.equal(archive.meta.hasAlpha, true);
  });

  it('flattens alpha onto white for JPEG', async () => {
    const { meta, outputPath } = await convert(fx.alpha, 'web', { format: 'jpeg' });
    assert.deepEqual([meta.format, meta.channels], ['jpeg', 3]);
    const { data } = await sharp(outputPath).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0]! > 100, 'half-transparent blue on white is light, not dark');
  });

  it('turns an EXIF-rotated photo upright, strips EXIF but keeps the colour profile', async () => {
    const { meta, result } = await convert(fx.rotated, 'web');
    assert.deepEqual(size(meta), [200, 400]);
    assert.equal(meta.orientation, undefined);
    assert.equal(meta.exif, undefined);
    assert.equal(meta.hasProfile, true);
    assert.equal(result.details?.width, 200);
  });

  it('archive keeps the original size, upright, as AVIF', async () => {
    const { meta } = await convert(fx.rotated, 'archive');
    assert.deepEqual([meta.format, ...size(meta)], ['heif', 200, 400]);
  });

  it('keeps an animated GIF animated in WebP and GIF, first frame only in AVIF', async () => {
    const web = await convert(fx.animated, 'web');
    assert.deepEqual([web.meta.format, web.meta.pages, ...size(web.meta)], ['webp', 3, 60, 40]);
    const thumb = await convert(fx.animated, 'thumbnail');
    assert.deepEqual([thumb.meta.pages, ...size(thumb.meta)], [3, 320, 320]);
    const keep = await convert(fx.animated, 'web', { format: 'keep' });
    assert.deepEqual([keep.meta.format, keep.meta.pages], ['gif', 3]);
    const archive = await convert(fx.animated, 'archive');
    assert.deepEqual(
      [archive.meta.format, archive.meta.pages ?? 1, ...size(archive.meta)],
      ['heif', 1, 60, 40],
    );
  });

  it("clamps effort to each format's range", async () => {
    const { meta } = await convert(fx.alpha, 'web', { effort: 10, format: 'webp' });
    assert.equal(meta.format, 'webp');
    const png = await convert(fx.alpha, 'web', { effort: 10, format: 'png' });
    assert.equal(png.meta.format, 'png');
  });

  const rejects = async (input: string, code: string, message: RegExp): Promise<void> => {
    await assert.rejects(convert(input, 'web'), (error: unknown) => {
      assert.ok(error instanceof ProcessorError, String(error));
      assert.equal(error.code, code);
      assert.match(error.message, message);
      return true;
    });
  };

  it('refuses a truncated JPEG as CORRUPT_INPUT', () =>
    rejects(fx.truncated, 'CORRUPT_INPUT', /damaged, truncated/));
  it('refuses a decompression bomb as TOO_MANY_PIXELS', () =>
    rejects(fx.bomb, 'TOO_MANY_PIXELS', /10000 × 10000 \(100,000,000 pixels\).*40,000,000/));
  it('refuses bytes that are not an image as CORRUPT_INPUT', () =>
    rejects(fx.text, 'CORRUPT_INPUT', /not a supported/));
  it('never runs the SVG loader, whatever the file claims', () => rejects(fx.svg, 'CORRUPT_INPUT', /./));

  it('runs in the sandboxed pool under the permission model', async () => {
    const pool = new ProcessPool({
      size: 1,
      limits,
      allowRead: [fx.dir],
      allowWrite: [fx.dir],
      permissionModel: true,
    });
    try {
      const input = (inputPath: string, contentType: string) => ({
        inputPath,
        outputPath: join(fx.dir, `pool-${++n}`),
        contentType,
        name: 'photos/a.jpg',
      });
      const { settings } = resolveSettings(imageProcessor, 'thumbnail', {});
      const ok = await pool.run({ processor: 'image', input: input(fx.photo, 'image/jpeg'), settings });
      assert.equal(ok.ok, true, JSON.stringify(ok));
      if (ok.ok)
        assert.deepEqual(
          [ok.outputType, ok.details?.outputWidth, ok.details?.outputHeight],
          ['image/webp', 320, 320],
        );
      const bomb = await pool.run({ processor: 'image', input: input(fx.bomb, 'image/png'), settings });
      assert.deepEqual(bomb.ok ? null : [bomb.error.code, bomb.transient], ['TOO_MANY_PIXELS', false]);
      const cut = await pool.run({ processor: 'image', input: input(fx.truncated, 'image/jpeg'), settings });
      assert.equal(cut.ok ? null : cut.error.code, 'CORRUPT_INPUT');
      if (!cut.ok) assert.ok(!cut.error.message.includes(fx.dir), cut.error.message);
    } finally {
      await pool.close();
    }
  });
});
