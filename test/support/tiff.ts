/**
 * TIFFs as real writers make them: libvips (through sharp) and libtiff (its `tiffcp`) both
 * put the image file directory after the pixels, at the end of the file. `tiffcp` is an
 * optional tool (Debian's libtiff-tools): a test that needs it runs when it is installed,
 * is skipped with a notice otherwise, and fails on CI (`CI=true`), where it is installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveBinary } from '../../src/processors/commands/config.js';
import sharp from 'sharp';

const run = promisify(execFile);

/** A `width × height` TIFF written by libvips, larger than the sniffed head, with a noisy body. */
export async function sharpTiff(width = 300, height = 200): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < raw.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = ((i % (width * 3)) + (state % 48)) & 0xff;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .tiff({ compression: 'lzw' })
    .toBuffer();
}

/** The path of `tiffcp`, or null when libtiff-tools is not installed. */
export const tiffcp: string | null = resolveBinary('tiffcp', process.env.PATH);

/** Why a test that needs `tiffcp` cannot run, or false when it can (see the header). */
export function tiffcpMissing(): string | false {
  if (tiffcp !== null) return false;
  const message = 'tiffcp (Debian libtiff-tools) is not installed';
  if (process.env.CI === 'true') assert.fail(`${message}: CI must have it`);
  return message;
}

/** `tiff` re-written by libtiff's `tiffcp`. */
export async function tiffcpCopy(tiff: Buffer): Promise<Buffer> {
  assert.ok(tiffcp, 'tiffcp is needed (see tiffcpMissing)');
  const dir = await mkdtemp(join(tmpdir(), 'filemill-tiffcp-'));
  try {
    await writeFile(join(dir, 'in.tif'), tiff);
    await run(tiffcp, [join(dir, 'in.tif'), join(dir, 'out.tif')]);
    return await readFile(join(dir, 'out.tif'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Where the first image file directory starts (the header's offset), for either byte order. */
export function firstIfdOffset(tiff: Buffer): number {
  return tiff.subarray(0, 2).toString('latin1') === 'II' ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
}
