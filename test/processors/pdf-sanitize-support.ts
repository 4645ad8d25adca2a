/**
 * What pdf-sanitize's tests share: running the processor on bytes in a temporary folder
 * or a batch through a real server, and reading its output back independently — pdf.js for the text layer, pdf-lib for the
 * objects, the canvas and zlib for the pixels of a re-drawn page.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, PDFRef } from '@cantoo/pdf-lib';
import { pdfSanitizeProcessor } from '../../src/processors/pdf-sanitize/descriptor.js';
import { openPdf } from '../../src/processors/pdfjs.js';
import { run } from '../../src/processors/pdf-sanitize/run.js';
import { ProcessorError } from '../../src/processors/processor.js';
import { resolveSettings } from '../../src/processors/settings.js';
import {
  allFiles,
  startTestServer,
  submit,
  waitForBatch,
  type UploadFile,
} from '../integration/support/server.js';

const limits = { maxInputPixels: 40_000_000, maxOutputBytes: 100 * 1024 * 1024 };

/** Runs the processor (in this process) on bytes; `dispose` removes its folder. */
export async function sanitizer() {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-pdf-'));
  let n = 0;
  return {
    async sanitize(bytes: Uint8Array, preset = 'disarm', overrides: Record<string, unknown> = {}) {
      const { settings } = resolveSettings(pdfSanitizeProcessor, preset, overrides);
      const inputPath = join(dir, `in-${++n}.pdf`);
      const outputPath = join(dir, `out-${n}.pdf`);
      await writeFile(inputPath, bytes);
      const ctx = { progress: () => {}, signal: new AbortController().signal, limits };
      const result = await run(
        { inputPath, outputPath, contentType: 'application/pdf', name: 'in.pdf' },
        settings,
        ctx,
      );
      return {
        result,
        details: result.details as Record<string, any>,
        output: await readFile(outputPath).catch(() => null),
      };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Asserts that `promise` fails with a ProcessorError of `code`, with no server path in its message. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ProcessorError, String(error));
    assert.equal(error.code, code, error.message);
    assert.doesNotMatch(error.message, /\/tmp\//, 'no server path in the message');
    return true;
  });
}

/** The text pdf.js extracts from each page. */
export async function pageTexts(bytes: Uint8Array): Promise<string[]> {
  const doc = await openPdf(bytes, { maxImagePixels: limits.maxInputPixels });
  try {
    const texts: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(''));
    }
    return texts;
  } finally {
    await doc.destroy();
  }
}

export interface PageImageInfo {
  mediaBox: number[];
  /** Names in the page's resources, e.g. `['XObject']`. */
  resourceKinds: string[];
  /** The XObjects the page uses: their subtypes. */
  xobjectSubtypes: string[];
  width: number;
  height: number;
  filter: string;
  colorSpace: string;
  data: Uint8Array;
}

/** Each page of a re-drawn PDF, parsed by pdf-lib: its box, its resources and its one image. */
export async function pageImages(bytes: Uint8Array): Promise<PageImageInfo[]> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const lookup = (value: unknown) => (value instanceof PDFRef ? doc.context.lookup(value) : value);
  return doc.getPages().map((page) => {
    const resources = lookup(page.node.get(PDFName.of('Resources'))) as PDFDict;
    const xobjects = lookup(resources.get(PDFName.of('XObject'))) as PDFDict;
    const streams = xobjects.values().map((ref) => lookup(ref) as PDFRawStream);
    const image = streams[0]!;
    const name = (key: string) => String(image.dict.get(PDFName.of(key))).slice(1);
    const size = (key: string) => (image.dict.get(PDFName.of(key)) as PDFNumber).asNumber();
    const box = page.getMediaBox();
    return {
      mediaBox: [box.x, box.y, box.width, box.height],
      resourceKinds: resources.keys().map((key) => key.decodeText()),
      xobjectSubtypes: streams.map((s) => String(s.dict.get(PDFName.of('Subtype')))),
      width: size('Width'),
      height: size('Height'),
      filter: name('Filter'),
      colorSpace: name('ColorSpace'),
      data: image.contents,
    };
  });
}

/** The RGB of pixel (x, y) of a page image (JPEG decoded by the canvas, deflated samples by zlib). */
export async function pixelAt(image: PageImageInfo, x: number, y: number): Promise<number[]> {
  if (image.filter === 'FlateDecode') {
    const samples = inflateSync(image.data);
    const channels = image.colorSpace === 'DeviceGray' ? 1 : 3;
    assert.equal(samples.length, image.width * image.height * channels, 'one sample per pixel and channel');
    const at = (y * image.width + x) * channels;
    return channels === 1 ? [samples[at]!, samples[at]!, samples[at]!] : [...samples.subarray(at, at + 3)];
  }
  const decoded = await loadImage(Buffer.from(image.data));
  const canvas = createCanvas(decoded.width, decoded.height);
  const context = canvas.getContext('2d');
  context.drawImage(decoded, 0, 0);
  return [...context.getImageData(x, y, 1, 1).data.subarray(0, 3)];
}

/** How many pixels of a JPEG page image are dark (text drawn). */
export async function darkPixels(image: PageImageInfo): Promise<number> {
  const decoded = await loadImage(Buffer.from(image.data));
  const canvas = createCanvas(decoded.width, decoded.height);
  const context = canvas.getContext('2d');
  context.drawImage(decoded, 0, 0);
  const { data } = context.getImageData(0, 0, decoded.width, decoded.height);
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 100) dark++;
  return dark;
}

export interface BatchRun {
  url: string;
  id: string;
  /** The 202's body. */
  accepted: Record<string, any>;
  batch: Record<string, any>;
  files: any[];
  /** The output of file `index`, downloaded. */
  output(index: number): Promise<Uint8Array>;
}

/**
 * Submits `files` to a real server (one sandboxed worker), waits for the batch to end and
 * hands `check` what there is to see; the server is closed afterwards.
 */
export async function throughServer(
  files: UploadFile[],
  fields: Record<string, string>,
  check: (run: BatchRun) => Promise<void>,
): Promise<void> {
  const server = await startTestServer({ concurrency: 1 });
  try {
    const { status, body } = await submit(server.url, files, fields);
    assert.equal(status, 202, JSON.stringify(body));
    const batch = await waitForBatch(server.url, body.id);
    await check({
      url: server.url,
      id: body.id,
      accepted: body,
      batch,
      files: await allFiles(server.url, body.id),
      output: async (index) =>
        new Uint8Array(
          await (await fetch(`${server.url}/api/batches/${body.id}/files/${index}/output`)).arrayBuffer(),
        ),
    });
  } finally {
    await server.close();
  }
}
