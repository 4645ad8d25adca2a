/**
 * pdf-sanitize's rasterize mode: every page re-drawn from pixels into a new PDF. Checked
 * independently of the code under test: pdf.js reads the text layer (there must be none),
 * pdf-lib the objects (only page images), a raw scan the bytes (nothing of the original),
 * the canvas and zlib the pixels. Also the fall-back from the structural mode, and the
 * whole path through a real server with sandboxed workers (permission model included:
 * pdf.js must still read its fonts from its package folder).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { PDFDocument, PDFName } from '@cantoo/pdf-lib';
import { resolveBinary } from '../../src/processors/commands/config.js';
import { rasterize } from '../../src/processors/pdf-sanitize/rasterize.js';
import {
  colourPdf,
  deepPageTreePdf,
  encryptedPdf,
  hostilePdf,
  noiseBytes,
  pageCountBombPdf,
  plainPdf,
  RISKY_NAMES,
} from './pdf-fixtures.js';
import {
  darkPixels,
  pageImages,
  pageTexts,
  pixelAt,
  rejectsWith,
  sanitizer,
  throughServer,
  type PageImageInfo,
} from './pdf-sanitize-support.js';
import { tilingPatternPdf, wordsPdf } from './raster-fixtures.js';

/** What the hostile fixture carries that must not survive a re-draw, beyond the risky names. */
const ORIGINAL_TRACES = [
  'Helvetica',
  '/Font',
  '/Annots',
  '/AcroForm',
  'payload.exe',
  'app.alert',
  'example.org',
];

/** rasterize()'s options as the `rasterize` preset and the default limits give them. */
const RASTER_DEFAULTS = {
  dpi: 150,
  format: 'jpeg' as const,
  jpegQuality: 85,
  grayscale: false,
  maxPagePixels: 8_700_000,
  maxPages: 10,
  maxImagePixels: 40_000_000,
  maxOutputBytes: 1 << 30,
  pageMemoryMb: 256,
  pageTimeoutSeconds: 30,
  ocr: false,
  ocrLanguages: ['eng'],
};

const execFileAsync = promisify(execFile);
const pdftotext = resolveBinary('pdftotext', process.env.PATH);
/** Without poppler's pdftotext the OCR checks skip on a developer's machine, and fail in CI. */
const needsPdftotext =
  pdftotext || process.env.CI === 'true' ? false : 'pdftotext (poppler-utils) is not installed';

/** What poppler's pdftotext reads from page `page` (1-based) of `pdf`: an outside reader's view. */
async function popplerText(pdf: Uint8Array, page: number): Promise<string> {
  assert.ok(pdftotext, 'pdftotext (poppler-utils) is needed: CI installs it');
  const dir = await mkdtemp(join(tmpdir(), 'filemill-ocr-'));
  try {
    await writeFile(join(dir, 'in.pdf'), pdf);
    const args = ['-f', String(page), '-l', String(page), join(dir, 'in.pdf'), '-'];
    return (await execFileAsync(pdftotext, args)).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const PAGE_LINES = ['Quarterly figures look splendid', 'Zebra crossings near the harbour'];

/** The pixel at (x, y) in PDF points from the page's bottom left, for an image drawn at `dpi`. */
const pointAt = (image: PageImageInfo, xPt: number, yPt: number): [number, number] => [
  Math.round((xPt / image.mediaBox[2]!) * image.width),
  Math.round(((image.mediaBox[3]! - yPt) / image.mediaBox[3]!) * image.height),
];

describe('pdf-sanitize (rasterize)', () => {
  let tool: Awaited<ReturnType<typeof sanitizer>>;
  before(async () => {
    tool = await sanitizer();
  });
  after(() => tool.dispose());

  it('re-draws every page from pixels: page count and size kept, no text layer, nothing of the original left', async () => {
    const input = await hostilePdf();
    assert.match((await pageTexts(input))[0]!, /Quarterly report/, 'the input has a text layer');
    const { details, output } = await tool.sanitize(input, 'rasterize');
    assert.ok(output);
    assert.deepEqual(await pageTexts(output), ['', ''], 'pdf.js extracts no text from any page');
    const raw = Buffer.from(output).toString('latin1');
    for (const trace of [...RISKY_NAMES, ...ORIGINAL_TRACES])
      assert.ok(!raw.includes(trace), `${trace} is gone`);

    const images = await pageImages(output);
    assert.equal(images.length, 2, 'the page count is kept');
    for (const image of images) {
      assert.deepEqual(image.mediaBox, [0, 0, 400, 400], 'the page size in points is kept');
      assert.deepEqual(image.resourceKinds, ['XObject'], 'no fonts or other resources');
      assert.deepEqual(image.xobjectSubtypes, ['/Image']);
      assert.equal(image.filter, 'DCTDecode');
      assert.deepEqual([image.width, image.height], [834, 834], '400 pt at 150 DPI');
    }
    assert.ok((await darkPixels(images[0]!)) > 100, 'the text was drawn into the pixels');
    const doc = await PDFDocument.load(output, { updateMetadata: false });
    assert.deepEqual(
      doc.catalog.keys().map((key) => key.decodeText()),
      ['Type', 'Pages'],
      'the catalog holds only the pages',
    );
    assert.equal(doc.context.enumerateIndirectObjects().length, 2 + 3 * 2, 'catalog, tree, 3 per page');
    assert.ok(!doc.getPage(0).node.has(PDFName.of('Annots')));

    assert.equal(details.mode, 'rasterize');
    assert.equal(details.pages, 2);
    assert.equal(details.dpi, 150);
    assert.equal(details.format, 'jpeg');
    assert.equal(details.scaledPages, 0);
    assert.equal(details.found.javascript, 2, 'what the file carried is still reported');
    assert.equal(details.found.embeddedFile, 2);
  });

  it('keeps colour in JPEG, draws grey when asked, and keeps exact pixels in lossless', async () => {
    const input = await colourPdf(); // a pure red square around (70, 70) pt
    const centre = async (overrides: Record<string, unknown>) => {
      const { output } = await tool.sanitize(input, 'rasterize', overrides);
      const [image] = await pageImages(output!);
      return { image: image!, rgb: await pixelAt(image!, ...pointAt(image!, 70, 70)) };
    };
    const colour = await centre({});
    assert.ok(colour.rgb[0]! > 200 && colour.rgb[1]! < 60 && colour.rgb[2]! < 60, `red: ${colour.rgb}`);
    const grey = await centre({ grayscale: true });
    const [r, g, b] = grey.rgb as [number, number, number];
    assert.ok(Math.abs(r - g) <= 3 && Math.abs(g - b) <= 3 && r > 40 && r < 120, `grey: ${grey.rgb}`);
    const lossless = await centre({ format: 'lossless' });
    assert.equal(lossless.image.filter, 'FlateDecode');
    assert.equal(lossless.image.colorSpace, 'DeviceRGB');
    assert.deepEqual(lossless.rgb, [255, 0, 0], 'exactly the red drawn');
    const losslessGrey = await centre({ format: 'lossless', grayscale: true });
    assert.equal(losslessGrey.image.colorSpace, 'DeviceGray');
    assert.deepEqual(losslessGrey.rgb, [76, 76, 76], 'red as grey (Rec. 601 luma)');
  });

  it('draws a page that would take more than maxPagePixels at a lower DPI, keeps its size and counts it', async () => {
    const { details, output } = await tool.sanitize(await colourPdf(), 'rasterize', {
      maxPagePixels: 100_000,
    });
    assert.equal(details.scaledPages, 2);
    for (const image of await pageImages(output!)) {
      assert.ok(image.width * image.height <= 100_000, `${image.width} × ${image.height}`);
      assert.deepEqual(image.mediaBox, [0, 0, 300, 200], 'the print size is kept');
    }
  });

  it('draws a tiling-pattern page that would take gigabytes at half the DPI, simplified, and lists it in reducedPages', async () => {
    const { details, output } = await tool.sanitize(tilingPatternPdf(), 'rasterize');
    assert.deepEqual(details.reducedPages, [{ page: 1, dpi: 75, reason: 'memory', simplified: true }]);
    assert.equal(details.scaledPages, 0, 'maxPagePixels did not come into it');
    const [image] = await pageImages(output!);
    assert.deepEqual([image!.width, image!.height], [638, 826], '612 × 792 pt at 75 DPI (rounded up)');
    assert.deepEqual(image!.mediaBox, [0, 0, 612, 792], 'the print size is kept');
    const [r, g, b] = await pixelAt(image!, 10, 815); // near the bottom left: the pattern's blue
    assert.ok(b! > 200 && r! < 80 && g! < 80, `the pattern was drawn: ${[r, g, b]}`);
    // Ordinary pages are untouched by the budget.
    const plain = await tool.sanitize(await colourPdf(), 'rasterize');
    assert.deepEqual(plain.details.reducedPages, []);
  });

  it('fails a page that cannot be drawn within its own time with TIMEOUT, naming the page', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'filemill-raster-'));
    try {
      const draw = rasterize(
        tilingPatternPdf(),
        'in.pdf',
        join(dir, 'out.pdf'),
        {
          ...RASTER_DEFAULTS,
          // No time at all: the first canvas the pattern needs is already late, at every try.
          pageTimeoutSeconds: 0,
        },
        () => {},
      );
      await rejectsWith(draw, 'TIMEOUT');
      await assert.rejects(draw, /Page 1 took longer than its 0 s to draw, even at a lower resolution/);
      assert.deepEqual(await readdir(dir), [], 'nothing is left at the output path');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'lays the words recognised on each page over it, invisible, in a standard font (preset rasterize-searchable), and pdftotext finds them',
    { skip: needsPdftotext },
    async () => {
      const { details, output } = await tool.sanitize(await wordsPdf(PAGE_LINES), 'rasterize-searchable');
      assert.equal(details.mode, 'rasterize');
      assert.deepEqual(details.ocr.languages, ['eng']);
      assert.ok(details.ocr.words >= 9 && details.ocr.words <= 11, `words: ${details.ocr.words}`);
      for (const [i, line] of PAGE_LINES.entries()) {
        const words = (await popplerText(output!, i + 1)).split(/\s+/).filter(Boolean);
        assert.deepEqual(words, line.split(' '), `page ${i + 1} as poppler reads it`);
      }
      const texts = await pageTexts(output!);
      assert.match(texts[0]!, /Quarterly\s*figures/, 'pdf.js reads it too');
      const images = await pageImages(output!);
      assert.deepEqual(images[0]!.resourceKinds, ['XObject', 'Font'], 'the image and the one font');
      const raw = Buffer.from(output!).toString('latin1');
      assert.match(raw, /\/BaseFont \/Helvetica \/Encoding \/WinAnsiEncoding/);
      assert.ok(!/\/FontFile/.test(raw), 'a standard font: nothing embedded');
      assert.match(raw, /BT\n3 Tr\n/, 'the text is drawn in render mode 3: invisible');
      assert.ok((await darkPixels(images[0]!)) > 100, 'the page image is still what shows');
      for (const trace of RISKY_NAMES) assert.ok(!raw.includes(trace), `${trace} is absent`);
    },
  );

  it('opens an owner-only encrypted PDF, refuses one that needs a password, repairs a truncated file, fails hostile ones cleanly', async () => {
    const { details, output } = await tool.sanitize(await encryptedPdf(''), 'rasterize');
    assert.equal(details.encrypted, true);
    assert.ok(!Buffer.from(output!).toString('latin1').includes('/Encrypt'));
    await rejectsWith(tool.sanitize(await encryptedPdf(), 'rasterize'), 'ENCRYPTED');
    await rejectsWith(tool.sanitize(noiseBytes(), 'rasterize'), 'CORRUPT_INPUT');
    const whole = await plainPdf(3);
    await rejectsWith(tool.sanitize(whole.subarray(0, 40), 'rasterize'), 'CORRUPT_INPUT');
    const truncated = await tool.sanitize(whole.subarray(0, Math.floor(whole.length * 0.6)), 'rasterize');
    assert.equal(truncated.details.repaired, true, 'a truncated file is rebuilt, and said so');
    assert.equal(truncated.details.pages, 3);
    assert.equal(details.repaired, undefined, 'an intact file is not reported repaired');
    // pdf.js believes the tree's /Count: a billion pages, refused before any is drawn.
    await rejectsWith(tool.sanitize(pageCountBombPdf(), 'rasterize'), 'TOO_MANY_PAGES');
    await rejectsWith(tool.sanitize(await plainPdf(3), 'rasterize', { maxPages: 2 }), 'TOO_MANY_PAGES');
  });

  it('re-draws a file the structural parser cannot read when onFailure is rasterize (preset strict), and says so', async () => {
    const input = deepPageTreePdf();
    await rejectsWith(tool.sanitize(input, 'disarm'), 'CORRUPT_INPUT');
    const { details, output } = await tool.sanitize(input, 'strict');
    assert.equal(details.mode, 'rasterize');
    assert.equal(details.fallback, 'rasterize');
    assert.equal(details.repaired, true);
    assert.equal(details.found, null, 'what it carried is unknown: the structural parser could not read it');
    assert.equal(details.pages, 1);
    assert.deepEqual(await pageTexts(output!), ['']);
    // What neither parser can read still fails.
    await rejectsWith(tool.sanitize(noiseBytes(), 'strict'), 'CORRUPT_INPUT');
  });
});

describe('pdf-sanitize rasterize through a real server and its sandboxed workers', () => {
  it('re-draws the PDFs of a batch in the workers, fails what is not a PDF, and reports per file', async () => {
    const files = [
      { name: 'in/hostile.pdf', data: Buffer.from(await hostilePdf()) },
      { name: 'in/noise.pdf', data: noiseBytes() },
      { name: 'in/noise.bin', data: noiseBytes() },
      // Took the worker over its memory limit (1024 MB) in seconds before pages had a budget.
      { name: 'in/pattern.pdf', data: Buffer.from(tilingPatternPdf()) },
    ];
    await throughServer(files, { processor: 'pdf-sanitize', preset: 'rasterize' }, async (run) => {
      assert.equal(run.batch.status, 'completed_with_errors');
      const [hostile, noisePdf, noiseBin, pattern] = run.files;
      assert.equal(hostile.status, 'succeeded', JSON.stringify(hostile.error));
      assert.equal(hostile.details.mode, 'rasterize');
      assert.equal(hostile.details.pages, 2);
      assert.equal(hostile.details.found.javascript, 2);
      // The server sniffs content before any processor: a .pdf that is not one is corrupt,
      // anything else that is not a PDF is not this processor's.
      assert.equal(noisePdf.error.code, 'CORRUPT_INPUT');
      assert.equal(noiseBin.error.code, 'UNSUPPORTED_TYPE');
      assert.equal(pattern.status, 'succeeded', JSON.stringify(pattern.error));
      assert.deepEqual(pattern.details.reducedPages, [
        { page: 1, dpi: 75, reason: 'memory', simplified: true },
      ]);
      if (process.env.FILEMILL_PRINT_TIMES)
        console.log(JSON.stringify(run.files.map((f) => [f.name, f.durationMs, f.cpuMs, f.peakRssMb])));
      const output = await run.output(0);
      assert.deepEqual(await pageTexts(output), ['', '']);
      const [first] = await pageImages(output);
      assert.ok(
        (await darkPixels(first!)) > 100,
        'the worker drew the text (pdf.js read its standard fonts)',
      );
    });
  });

  it(
    'recognises the words in the sandboxed worker with the language data from its read-only node_modules (preset rasterize-searchable)',
    { skip: needsPdftotext },
    async () => {
      const files = [{ name: 'words.pdf', data: Buffer.from(await wordsPdf(PAGE_LINES)) }];
      await throughServer(
        files,
        { processor: 'pdf-sanitize', preset: 'rasterize-searchable' },
        async (run) => {
          const [file] = run.files;
          assert.equal(file.status, 'succeeded', JSON.stringify(file.error));
          assert.deepEqual(file.details.ocr.languages, ['eng']);
          const output = await run.output(0);
          for (const [i, line] of PAGE_LINES.entries()) {
            const words = (await popplerText(output, i + 1)).split(/\s+/).filter(Boolean);
            assert.deepEqual(words, line.split(' '), `page ${i + 1} as poppler reads it`);
          }
        },
      );
    },
  );
});
