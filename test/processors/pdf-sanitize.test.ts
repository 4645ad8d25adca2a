/**
 * pdf-sanitize's structural disarm on hostile PDFs made by pdf-lib: every kind of active
 * content goes, scripts inside compressed object streams included; pages, their text and
 * web links stay. The output is checked by a raw scan of its bytes (no parser: the file is
 * written without object streams, so every dictionary is in the clear) and parsed again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFString,
} from '@cantoo/pdf-lib';
import { photoJpeg } from '../integration/support/images.js';
import {
  actsOnOpenPdf,
  deeplyNestedPdf,
  encryptedPdf,
  formPdf,
  hostilePdf,
  noiseBytes,
  pageCountBombPdf,
  plainPdf,
  RISKY_NAMES,
} from './pdf-fixtures.js';
import { resolveBinary } from '../../src/processors/commands/config.js';
import { KINDS } from '../../src/processors/pdf-sanitize/policy.js';
import { sniffContentType } from '../../src/processors/sniff.js';
import { remainingRisks } from '../../src/processors/pdf-sanitize/verify.js';
import { scanWithQpdf } from '../../scripts/qpdf-scan.js';
import { pageTexts, rejectsWith, sanitizer, throughServer } from './pdf-sanitize-support.js';

const nonZero = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

describe('pdf-sanitize (structural disarm)', () => {
  let tool: Awaited<ReturnType<typeof sanitizer>>;
  before(async () => {
    tool = await sanitizer();
  });
  after(() => tool.dispose());
  const sanitize = (bytes: Uint8Array, preset?: string, overrides?: Record<string, unknown>) =>
    tool.sanitize(bytes, preset, overrides);

  it('takes out every kind of active content, wherever it hides, and says what it found', async () => {
    const input = await hostilePdf();
    const { result, output } = await sanitize(input);
    assert.ok(output);
    const text = Buffer.from(output).toString('latin1');
    for (const risky of RISKY_NAMES) assert.ok(!text.includes(risky), `${risky} is gone from the output`);
    const numbers = [...text.matchAll(/^(\d+) 0 obj/gm)].map((m) => Number(m[1]));
    assert.equal(
      Number(/\/Size (\d+)/.exec(text)?.[1]),
      Math.max(...numbers) + 1,
      'the trailer counts what is left',
    );
    assert.equal(result.outputType, 'application/pdf');
    const details = result.details as { found: Record<string, number>; pages: number; mode: string };
    assert.equal(details.mode, 'structural');
    assert.equal(details.pages, 2);
    assert.deepEqual(
      Object.keys(details.found).sort(),
      [...KINDS].sort(),
      'every kind is counted, zero or not',
    );
    assert.deepEqual(nonZero(details.found), {
      javascript: 2, // the open action's script and the named script
      openAction: 1,
      additionalActions: 2, // the page's and the field's
      launch: 1,
      submitForm: 1,
      remoteGoTo: 1,
      embeddedFile: 2, // the attachment annotation and the embedded-files tree
      richMedia: 1,
      xfa: 1,
      link: 1, // the file:// link; the https one stays
      otherEntry: 1, // the catalog's /NeedsRendering
    });
  });

  it('the output check sees, from the trailer, what sits in object streams and on page-tree nodes the pages inherit from', async () => {
    const doc = await PDFDocument.load(await actsOnOpenPdf(await photoJpeg(32, 24)));
    const remaining = remainingRisks(doc, { links: 'web-only', metadata: 'keep' });
    const pagesRef = doc.catalog.get(PDFName.of('Pages'))!.toString();
    for (const expected of [
      `additionalActions: /AA in ${pagesRef}`, // inherited by every page
      'namedAction: /OpenAction in the catalog',
      'uriBase: /URI in the catalog',
      'xmlDtd: /Metadata in the catalog',
      'fontMatrix: /FontMatrix in',
      'externalStream: /F in',
      'remoteGoTo: /A in',
      'thread: /A in',
      'launch: /PA in',
    ])
      assert.ok(
        remaining.some((line) => line.startsWith(expected)),
        `${expected} is reported: ${remaining.join('; ')}`,
      );
  });

  for (const preset of ['disarm', 'strict'] as const) {
    it(`${preset}: takes out by allow-list what acts on open or reaches outside, counts each, and keeps what is allowed`, async (t) => {
      const input = await actsOnOpenPdf(await photoJpeg(64, 48));
      const { details, output } = await sanitize(input, preset);
      const { found } = details as { found: Record<string, number> };
      assert.deepEqual(nonZero(found), {
        openAction: 1, // page 2, then print
        namedAction: 1, // the print
        uriBase: 1,
        embeddedFile: 1, // the portfolio
        additionalActions: 1, // on the page-tree node
        externalStream: 2, // the image fetched from a URL, the reference XObject
        fontMatrix: 1,
        launch: 2, // behind a link's /PA, and a stray one
        remoteGoTo: 1,
        thread: 1,
        richMedia: 1, // the sound
        otherAnnotation: 1, // the projection
        // `strict` strips the document's metadata before looking: its DTD is gone unseen.
        ...(preset === 'disarm' ? { xmlDtd: 1 } : { link: 1 }),
      });

      const after = await PDFDocument.load(output!);
      const catalogKeys = after.catalog.keys().map((key) => key.decodeText());
      for (const gone of ['URI', 'Collection', 'OpenAction', 'Metadata'])
        assert.ok(!catalogKeys.includes(gone), `no /${gone} in the catalog`);
      const annots = after.getPage(0).node.lookup(PDFName.of('Annots'), PDFArray);
      const actions = annots.asArray().map((a) => {
        const action = after.context.lookup(a, PDFDict).lookupMaybe(PDFName.of('A'), PDFDict);
        return action?.lookup(PDFName.of('S'), PDFName).decodeText();
      });
      // A link whose action was taken out stays as an inert rectangle.
      assert.deepEqual(
        actions.filter((type) => type !== undefined).sort(),
        (preset === 'disarm' ? ['GoTo', 'GoTo', 'Named', 'URI'] : ['GoTo', 'GoTo', 'Named']).sort(),
        'links inside the document, page turns and (disarm) the web link stay',
      );
      const outline = after.catalog
        .lookup(PDFName.of('Outlines'), PDFDict)
        .lookup(PDFName.of('First'), PDFDict);
      assert.equal(
        outline.lookup(PDFName.of('A'), PDFDict).lookup(PDFName.of('S'), PDFName).decodeText(),
        'GoTo',
      );
      assert.ok(after.getPage(1).node.has(PDFName.of('Metadata')), 'metadata without a DTD stays');
      assert.deepEqual(await pageTexts(output!), ['Invoice 2024-117', 'Terms and conditions']);

      const qpdf = resolveBinary('qpdf', process.env.PATH);
      if (!qpdf) {
        if (process.env.CI === 'true') assert.fail('CI must have qpdf (the outsider scan)');
        return t.skip('qpdf is not installed: the outsider scan did not run');
      }
      const dir = await mkdtemp(join(tmpdir(), 'filemill-scan-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      await writeFile(join(dir, 'in.pdf'), input);
      await writeFile(join(dir, 'out.pdf'), output!);
      const allowWebLinks = preset === 'disarm';
      const before = await scanWithQpdf(join(dir, 'in.pdf'), { allowWebLinks });
      assert.ok(before.length >= 10, `the outsider scan sees the input's dangers: ${before.join('; ')}`);
      assert.deepEqual(await scanWithQpdf(join(dir, 'out.pdf'), { allowWebLinks }), []);
    });
  }

  it('keeps the pages, their text and the web links', async () => {
    const input = await hostilePdf();
    const { output } = await sanitize(input);
    const before = await PDFDocument.load(input);
    const after = await PDFDocument.load(output!);
    assert.equal(after.getPageCount(), 2);
    // What the first page draws: its content streams, decoded, one after the other.
    const contents = (doc: PDFDocument) => {
      const value = doc.getPage(0).node.Contents();
      const parts =
        value instanceof PDFArray ? value.asArray().map((ref) => doc.context.lookup(ref)) : [value];
      return parts
        .map((stream) => {
          assert.ok(stream instanceof PDFRawStream);
          return Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
        })
        .join('\n');
    };
    const [was, is] = [contents(before), contents(after)];
    assert.ok(is.length > 0 && is === was, 'the first page draws exactly what it drew');
    const annots = after.getPage(0).node.lookup(PDFName.of('Annots'), PDFArray);
    const uris = annots
      .asArray()
      .map((a) => after.context.lookup(a, PDFDict).lookupMaybe(PDFName.of('A'), PDFDict))
      .map((action) => action?.lookupMaybe(PDFName.of('URI'), PDFString)?.decodeText());
    assert.ok(uris.includes('https://example.org/report'), `the https link stays: ${uris}`);
    assert.ok(!uris.includes('file:///etc/passwd'));
    assert.deepEqual(
      await pageTexts(output!),
      ['Quarterly report, page one', 'Page two'],
      'pdf.js extracts the text',
    );
  });

  it('removes every link and the metadata with the strict preset', async () => {
    const doc = await PDFDocument.load(await hostilePdf());
    doc.setAuthor('Mallory');
    const { result, output } = await sanitize(await doc.save(), 'strict');
    const text = Buffer.from(output!).toString('latin1');
    assert.ok(!text.includes('example.org'), 'no link left');
    assert.ok(!text.includes('Mallory'), 'no metadata left');
    assert.equal((result.details as { found: { link: number } }).found.link, 2);
  });

  it('fails an encrypted PDF with ENCRYPTED, a damaged one with CORRUPT_INPUT, a long one with TOO_MANY_PAGES', async () => {
    const rejects = (bytes: Uint8Array, code: string, overrides = {}) =>
      rejectsWith(sanitize(bytes, 'disarm', overrides), code);
    await rejects(await encryptedPdf(), 'ENCRYPTED');
    const whole = await plainPdf(2);
    await rejects(whole.subarray(0, 40), 'CORRUPT_INPUT');
    await rejects(Buffer.from('%PDF-1.7\n' + 'garbage '.repeat(100)), 'CORRUPT_INPUT');
    await rejects(await plainPdf(3), 'TOO_MANY_PAGES', { maxPages: 2 });
    await rejects(noiseBytes(), 'CORRUPT_INPUT');
  });

  it('refuses a page-count bomb without walking it, and repairs a truncated file, saying so', async () => {
    // Nine levels of nodes listing the next ten times: a billion pages to a reader that walks it.
    await rejectsWith(sanitize(pageCountBombPdf()), 'TOO_MANY_PAGES');
    const whole = await plainPdf(3);
    const { details, output } = await sanitize(whole.subarray(0, Math.floor(whole.length * 0.6)));
    assert.equal(details.repaired, true);
    assert.equal(details.pages, 3);
    assert.equal((await PDFDocument.load(output!)).getPageCount(), 3);
    const intact = await sanitize(whole);
    assert.equal(intact.details.repaired, undefined, 'an intact file is not reported repaired');
  });

  it('sanitizes a PDF with bytes before its header (a 29-byte mailer preamble), in both modes', async () => {
    const preamble = Buffer.from('X-Mailer: scan2mail 4.1.7\r\n\r\n', 'latin1');
    assert.equal(preamble.length, 29);
    const input = Buffer.concat([preamble, await hostilePdf()]);
    assert.equal(await sniffContentType(input.subarray(0, 4100)), 'application/pdf');
    const disarmed = await sanitize(input);
    assert.equal(disarmed.details.pages, 2);
    assert.equal(disarmed.details.found.javascript, 2);
    assert.deepEqual(await pageTexts(disarmed.output!), ['Quarterly report, page one', 'Page two']);
    assert.ok(
      Buffer.from(disarmed.output!).subarray(0, 5).equals(Buffer.from('%PDF-')),
      'written from its header',
    );
    const redrawn = await sanitize(input, 'rasterize');
    assert.equal(redrawn.details.pages, 2);
  });

  it('disarms a file with arrays nested 100,000 deep without crashing, its page and text kept', async () => {
    const { details, output } = await sanitize(deeplyNestedPdf(100_000));
    assert.equal(details.pages, 1);
    assert.deepEqual(await pageTexts(output!), ['Hello there']);
  });

  it('removes the form with forms: remove, drawing the filled-in values into the page; keeps it by default', async () => {
    const input = await formPdf();
    assert.deepEqual(await pageTexts(input), [''], 'the value is in the field, not in the page');
    const kept = await sanitize(input);
    assert.equal((await PDFDocument.load(kept.output!)).getForm().getFields().length, 2);
    const { details, output } = await sanitize(input, 'disarm', { forms: 'remove' });
    const text = Buffer.from(output!).toString('latin1');
    assert.ok(!text.includes('/AcroForm') && !text.includes('/Widget'), 'no form and no widget left');
    assert.equal(details.removed.formFields, 2);
    assert.equal(details.formsFlattened, true);
    assert.deepEqual(await pageTexts(output!), ['Alice Example'], 'the filled-in value is now page content');
    // A field with no page (the hostile fixture's) cannot be drawn: the form still goes.
    const hostile = await sanitize(await hostilePdf(), 'disarm', { forms: 'remove' });
    assert.equal(hostile.details.formsFlattened, false);
    assert.ok(!Buffer.from(hostile.output!).toString('latin1').includes('/AcroForm'));
  });

  it('opens a PDF encrypted with an owner password only, disarms it and writes it unencrypted', async () => {
    const { result, output } = await sanitize(await encryptedPdf(''));
    const details = result.details as { encrypted: boolean; found: { javascript: number } };
    assert.equal(details.encrypted, true);
    assert.equal(details.found.javascript, 1);
    const text = Buffer.from(output!).toString('latin1');
    assert.ok(!text.includes('/Encrypt'), 'no encryption left');
    assert.ok(!text.includes('/JavaScript'));
    const after = await PDFDocument.load(output!);
    const stream = after.getPage(0).node.Contents();
    const parts =
      stream instanceof PDFArray ? stream.asArray().map((ref) => after.context.lookup(ref)) : [stream];
    const drawn = parts
      .map((s) => Buffer.from(decodePDFRawStream(s as PDFRawStream).decode()).toString('latin1'))
      .join('');
    assert.ok(
      drawn.includes(Buffer.from('restricted but readable').toString('hex').toUpperCase()),
      'the page text is decrypted',
    );
  });

  it('opens a PDF that needs a password with the password setting, in both modes, and never says the password', async () => {
    const locked = await encryptedPdf('s3cret pass');
    const { details, output } = await sanitize(locked, 'disarm', { password: 's3cret pass' });
    assert.equal(details.encrypted, true);
    assert.equal(details.found.javascript, 1);
    // (pdf.js leaves out the glyphs that run off the 200 pt page.)
    assert.match((await pageTexts(output!))[0]!, /^restricted but rea/, 'decrypted and readable');
    assert.ok(!Buffer.from(output!).toString('latin1').includes('/Encrypt'));
    const redrawn = await sanitize(locked, 'rasterize', { password: 's3cret pass' });
    assert.equal(redrawn.details.pages, 1);
    for (const preset of ['disarm', 'rasterize']) {
      await assert.rejects(sanitize(locked, preset, { password: 'wrong guess' }), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'ENCRYPTED');
        assert.match(error.message, /password given does not open it/);
        assert.doesNotMatch(error.message, /wrong guess/);
        return true;
      });
    }
  });

  it('leaves a clean PDF as it was, apart from being written anew (an open action that only shows a page stays)', async () => {
    // As LaTeX writes it: open at the first page, fitted.
    const doc = await PDFDocument.load(await plainPdf(3));
    doc.catalog.set(PDFName.of('OpenAction'), doc.context.obj([doc.getPage(0).ref, PDFName.of('Fit')]));
    const { result, output } = await sanitize(await doc.save());
    const details = result.details as { found: Record<string, number>; pages: number; pdfVersion: string };
    assert.ok(Object.values(details.found).every((count) => count === 0));
    assert.equal(details.pages, 3);
    assert.match(details.pdfVersion, /^1\.\d$/);
    const after = await PDFDocument.load(output!);
    assert.equal(after.getPageCount(), 3);
    assert.ok(after.catalog.has(PDFName.of('OpenAction')), 'the harmless open action is kept');
  });
});

describe('pdf-sanitize through a real server and its sandboxed workers', () => {
  it('disarms the PDFs of a batch, refuses what is not a PDF, and reports what it found per file', async () => {
    const files = [
      { name: 'inbox/hostile.pdf', data: Buffer.from(await hostilePdf()) },
      { name: 'inbox/locked.pdf', data: Buffer.from(await encryptedPdf()) },
      { name: 'inbox/photo.jpg', data: await photoJpeg(64, 64) },
    ];
    await throughServer(files, { processor: 'pdf-sanitize' }, async (run) => {
      assert.equal(run.batch.status, 'completed_with_errors');
      assert.equal(run.files[0].status, 'succeeded');
      assert.equal(run.files[0].outputName, 'inbox/hostile.pdf');
      assert.equal(run.files[0].details.found.javascript, 2);
      assert.equal(run.files[1].error.code, 'ENCRYPTED');
      assert.equal(run.files[2].error.code, 'UNSUPPORTED_TYPE');
      const text = Buffer.from(await run.output(0)).toString('latin1');
      for (const risky of RISKY_NAMES) assert.ok(!text.includes(risky), `${risky} is gone`);
    });
  });

  it('uses the password setting in the worker and never shows it back: batch, files, list, reports, events', async () => {
    const secret = 'Tr0ub4dor-and-3';
    const files = [{ name: 'locked.pdf', data: Buffer.from(await encryptedPdf(secret)) }];
    const fields = {
      processor: 'pdf-sanitize',
      preset: 'strict',
      settings: JSON.stringify({ password: secret }),
    };
    await throughServer(files, fields, async (run) => {
      assert.equal(run.batch.status, 'completed', 'the worker had the password');
      assert.equal(run.batch.settings.links, 'remove', 'the other settings are shown');
      assert.ok(!('password' in run.batch.settings));
      const shown = [JSON.stringify(run.accepted), JSON.stringify(run.batch), JSON.stringify(run.files)];
      for (const path of ['', `/${run.id}/report.json`, `/${run.id}/report.csv`, `/${run.id}/events`]) {
        shown.push(await (await fetch(`${run.url}/api/batches${path}`)).text());
      }
      for (const [i, text] of shown.entries())
        assert.ok(!text.includes(secret), `the password is not in view ${i}`);
      assert.match(shown.at(-1)!, /batch\.completed/, 'the event stream was read to its end');
    });
  });
});
