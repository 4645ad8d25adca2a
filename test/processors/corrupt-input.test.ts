/**
 * The one mapping of malformed input to CORRUPT_INPUT (src/processors/corrupt-input.ts):
 * which parser errors it takes for the file's fault, the sentence it makes of them, and that
 * doc-analyze and pdf-sanitize fail the same malformed PDFs with it — no path, no stack.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanReason, corruptInput, isMalformedInput } from '../../src/processors/corrupt-input.js';
import { docAnalyzeProcessor } from '../../src/processors/doc-analyze/descriptor.js';
import { run as analyse } from '../../src/processors/doc-analyze/run.js';
import { pdfSanitizeProcessor } from '../../src/processors/pdf-sanitize/descriptor.js';
import { run as sanitize } from '../../src/processors/pdf-sanitize/run.js';
import {
  ProcessorError,
  type ProcessorDescriptor,
  type ProcessorRun,
} from '../../src/processors/processor.js';
import { resolveSettings } from '../../src/processors/settings.js';
import { handWrittenPdf } from './pdf-fixtures.js';
import { malformedPdfs } from './malformed-pdfs.js';

/** pdf.js's wrapper for an error of its worker thread, as it reaches the caller. */
function unknownErrorException(details: string): Error {
  const error = new Error(details.slice(details.indexOf(':') + 2));
  error.name = 'UnknownErrorException';
  return Object.assign(error, { details });
}

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

describe('isMalformedInput', () => {
  it("takes pdf.js's, libvips' and the ZIP reader's words for a malformed file", () => {
    for (const error of [
      named('InvalidPDFException', 'Invalid PDF structure.'),
      named('FormatError', 'Bad FCHECK in flate stream: 120, 1'),
      unknownErrorException('XRefEntryException: Bad (uncompressed) XRef entry: 6R'),
      unknownErrorException('FormatError: Page dictionary kid reference points to wrong type of object.'),
      new Error('Input file has corrupt header: VipsJpeg: premature end of JPEG image'),
      new Error('Input file contains unsupported image format'),
      new Error('vipspng: libpng read error'),
      new Error('End of data reached (data length = 0, asked index = 4). Corrupted zip ?'),
      new Error("Can't find end of central directory : is this a zip file ?"),
    ]) {
      assert.equal(isMalformedInput(error), true, error.message);
    }
  });

  it('leaves faults of ours, limits and anything unknown alone', () => {
    for (const error of [
      new TypeError("Cannot read properties of undefined (reading 'get')"),
      unknownErrorException("TypeError: Cannot read properties of undefined (reading 'get')"),
      named('PasswordException', 'No password given'),
      new Error('Input image exceeds pixel limit'),
      new Error('ENOSPC: no space left on device, write'),
      'a string thrown',
      null,
    ]) {
      assert.equal(isMalformedInput(error), false, String(error));
    }
  });
});

describe('corruptInput', () => {
  it('names the file and gives the reason, cleaned of paths, stack lines and library prefixes', () => {
    const cause = new Error(
      '/srv/filemill/data/b_1/in/0: bad seek to 5481\n/srv/filemill/data/b_1/in/0: bad seek to 2865\n' +
        'heif: Invalid input: Unspecified: Corrupt frame detected (2.0)\n    at Sharp.toFile (/app/node_modules/sharp/lib/output.js:90:12)',
    );
    const error = corruptInput('holiday/photo.avif', 'an image', cause);
    assert.ok(error instanceof ProcessorError);
    assert.equal(error.code, 'CORRUPT_INPUT');
    assert.equal(
      error.message,
      '"holiday/photo.avif" cannot be read as an image; it is damaged, truncated or not a supported format ' +
        '(Invalid input: Unspecified: Corrupt frame detected (2.0)).',
    );
    assert.equal(error.cause, cause, 'the raw error stays the cause, for the log');
  });

  it('gives no reason when the parser said nothing a reader can use', () => {
    const error = corruptInput(
      'a.pdf',
      'a PDF',
      new TypeError("Cannot read properties of undefined (reading 'get')"),
    );
    assert.equal(
      error.message,
      '"a.pdf" cannot be read as a PDF; it is damaged, truncated or not a supported format.',
    );
  });

  it('cleans a reason down to one short line', () => {
    assert.equal(
      cleanReason('Input file has corrupt header: VipsJpeg: premature end of JPEG image'),
      'premature end of JPEG image',
    );
    assert.equal(cleanReason('Input file has corrupt header:'), 'Input file has corrupt header');
    assert.equal(cleanReason('Invalid PDF structure.'), 'Invalid PDF structure');
    assert.equal(cleanReason('Bad seek in file:///var/lib/x/in.pdf now'), 'Bad seek in now');
    assert.equal(cleanReason(`Bad\u0000 ${'x'.repeat(300)}`).length, 120);
    assert.equal(cleanReason('/only/a/path:'), '');
  });
});

describe('malformed PDFs', () => {
  const limits = { maxInputPixels: 40_000_000, maxOutputBytes: 100 * 1024 * 1024 };
  const processors: Array<[string, ProcessorDescriptor, ProcessorRun, string | undefined]> = [
    ['doc-analyze', docAnalyzeProcessor, analyse, undefined],
    ['pdf-sanitize (disarm)', pdfSanitizeProcessor, sanitize, 'disarm'],
    ['pdf-sanitize (rasterize)', pdfSanitizeProcessor, sanitize, 'rasterize'],
  ];
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filemill-corrupt-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** The error `processor` fails `bytes` with, named `name`. */
  async function failure(
    [, descriptor, runner, preset]: (typeof processors)[number],
    bytes: Uint8Array,
    name: string,
  ): Promise<unknown> {
    const { settings } = resolveSettings(descriptor, preset, {});
    const input = {
      inputPath: join(dir, `in-${++n}`),
      outputPath: join(dir, `out-${n}`),
      dataPath: join(dir, `data-${n}`),
      contentType: 'application/pdf',
      name,
    };
    await writeFile(input.inputPath, bytes);
    const ctx = { progress: () => {}, signal: new AbortController().signal, limits };
    try {
      await runner(input, settings, ctx);
    } catch (error) {
      return error;
    }
    assert.fail(`${name} was processed`);
  }

  it('the fixtures are PDFs in form: a valid one of the same shape reads', async () => {
    const valid = handWrittenPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Count 1 /Kids [3 0 R] >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] >>',
    ]);
    const { settings } = resolveSettings(docAnalyzeProcessor, undefined, {});
    const inputPath = join(dir, 'valid.pdf');
    await writeFile(inputPath, valid);
    const ctx = { progress: () => {}, signal: new AbortController().signal, limits };
    const result = await analyse(
      { inputPath, outputPath: join(dir, 'valid.json'), contentType: 'application/pdf', name: 'valid.pdf' },
      settings,
      ctx,
    );
    assert.equal((result.details as { pages: number }).pages, 1);
  });

  for (const [what, bytes] of Object.entries(malformedPdfs())) {
    it(`fails "${what}" with CORRUPT_INPUT in doc-analyze and pdf-sanitize, naming the file, with no path or stack`, async () => {
      for (const processor of processors) {
        const error = await failure(processor, bytes, 'reports/q3.pdf');
        assert.ok(error instanceof ProcessorError, `${processor[0]}: ${String(error)}`);
        assert.equal(error.code, 'CORRUPT_INPUT', `${processor[0]}: ${error.message}`);
        assert.match(error.message, /^"reports\/q3\.pdf" cannot be read as a PDF/, processor[0]);
        assert.doesNotMatch(error.message, /(?:^|[\s(])\/(?!q3)|file:|\n|\sat\s\S+\s\(/, processor[0]);
        assert.ok(!error.message.includes(dir), processor[0]);
      }
    });
  }

  it('fails with CORRUPT_INPUT in doc-analyze a PDF that opens but whose page tree is broken', async () => {
    const kidNotAPage = handWrittenPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Count 1 /Kids [3 0 R] >>',
      '42',
    ]);
    const error = await failure(processors[0]!, kidNotAPage, 'kid.pdf');
    assert.ok(error instanceof ProcessorError, String(error));
    assert.equal(error.code, 'CORRUPT_INPUT');
    assert.equal(
      error.message,
      '"kid.pdf" cannot be read as a PDF; it is damaged, truncated or not a supported format ' +
        '(Page dictionary kid reference points to wrong type of object).',
    );
  });
});
