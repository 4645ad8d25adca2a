/**
 * doc-analyze on documents made here: what it reads from each format, what it finds in the
 * text, how it fails on files it cannot read; the batch aggregate (a term planted in every
 * document, a near-duplicate pair); and a mixed batch through a real server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docAnalyzeProcessor } from '../../src/processors/doc-analyze/descriptor.js';
import { aggregate, run } from '../../src/processors/doc-analyze/run.js';
import { ProcessorError, type AggregateFile } from '../../src/processors/processor.js';
import { resolveSettings } from '../../src/processors/settings.js';
import { sniffContentType } from '../../src/processors/sniff.js';
import { getJson, startTestServer, submit, waitForBatch } from '../integration/support/server.js';
import { docx, html, madeUpText, nearCopy, textPdf } from './doc-fixtures.js';
import { encryptedPdf, plainPdf } from './pdf-fixtures.js';
import { wordsPdf } from './raster-fixtures.js';
import { pdfSanitizeProcessor } from '../../src/processors/pdf-sanitize/descriptor.js';
import { run as runSanitize } from '../../src/processors/pdf-sanitize/run.js';

const limits = { maxInputPixels: 40_000_000, maxOutputBytes: 100 * 1024 * 1024 };
const ctx = () => ({ progress: () => {}, signal: new AbortController().signal, limits });

const ENTITY_TEXT = `Write to Jane.Doe@Example.com or see https://example.org/docs before 2024-05-01.
Call +1 212 555 0100 (New York) or +44 20 7946 0958. The invoice of 12 March 2024 is $1,250.00
and the deposit EUR 300; a second one, due March 31, 2025, is 99.90 €.`;

describe('doc-analyze', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filemill-doc-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Runs the processor on `bytes` as the worker would; returns the result, output and aggregate file. */
  async function analyse(
    bytes: Uint8Array | string,
    preset = 'full',
    overrides: Record<string, unknown> = {},
  ) {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const { settings } = resolveSettings(docAnalyzeProcessor, preset, overrides);
    const index = ++n;
    const input = {
      inputPath: join(dir, `in-${index}`),
      outputPath: join(dir, `out-${index}`),
      dataPath: join(dir, `data-${index}`),
      contentType: await sniffContentType(data.subarray(0, 4100)),
      name: `doc-${index}`,
    };
    await writeFile(input.inputPath, data);
    const result = await run(input, settings, ctx());
    const output = await readFile(input.outputPath, 'utf8');
    const file: AggregateFile = {
      index,
      name: input.name,
      details: result.details ?? null,
      dataPath: input.dataPath,
    };
    return { result, details: result.details as Record<string, any>, output, file, settings };
  }

  it('reads the text of pages without a text layer by OCR when asked, and only then', async () => {
    // A scan: the pages of a text PDF re-drawn as pictures (pdf-sanitize's rasterize).
    const lines = ['Quarterly figures look splendid', 'Zebra crossings near the harbour'];
    const { settings } = resolveSettings(pdfSanitizeProcessor, 'rasterize', {});
    const scanPath = join(dir, 'scan.pdf');
    await writeFile(join(dir, 'text.pdf'), await wordsPdf(lines));
    await runSanitize(
      {
        inputPath: join(dir, 'text.pdf'),
        outputPath: scanPath,
        contentType: 'application/pdf',
        name: 'text.pdf',
      },
      settings,
      ctx(),
    );
    const scan = await readFile(scanPath);

    const plain = await analyse(scan, 'extract');
    assert.equal(plain.output.trim(), '', 'no text layer: nothing to read without OCR');
    assert.equal(plain.details.pagesWithoutText, 2);
    assert.equal(plain.details.ocrPages, undefined);

    const read = await analyse(scan, 'extract', { ocr: true });
    assert.deepEqual(read.output.trim().split(/\n+/), lines, "each page's line, as drawn");
    assert.equal(read.details.ocrPages, 2);
    assert.equal(read.details.pagesWithoutText, 2, 'the file still has no text layer');
    const full = await analyse(scan, 'full', { ocr: true, ocrLanguages: ['eng'] });
    assert.equal(full.details.words, 9);
  });

  it('reads a PDF: pages, text, metadata, fonts, pages without text, and a quality score with reasons', async () => {
    const pdf = await textPdf(['Quarterly report on harbour traffic.', 'Harbour traffic grew again.'], {
      title: 'Harbour report',
      author: 'Port Office',
    });
    const { details, output } = await analyse(pdf);
    const analysis = JSON.parse(output);
    assert.equal(details.format, 'pdf');
    assert.equal(details.pages, 3);
    assert.equal(details.title, 'Harbour report');
    assert.equal(analysis.metadata.author, 'Port Office');
    assert.deepEqual(analysis.pdf.pagesWithoutText, [2]);
    assert.deepEqual(analysis.pdf.fonts, [{ name: 'Helvetica', type: 'Type1', embedded: false }]);
    assert.equal(details.fontsNotEmbedded, 1);
    assert.equal(details.words, 12);
    assert.deepEqual(analysis.keywords.slice(0, 2), [
      { term: 'harbour', count: 2 },
      { term: 'traffic', count: 2 },
    ]);
    assert.equal(analysis.quality.score, 100 - 13 - 15 - 20);
    assert.match(analysis.quality.reasons.join('\n'), /1 of 3 pages have no text layer/);
    assert.match(analysis.quality.reasons.join('\n'), /font\(s\) not embedded \(Helvetica\)/);
  });

  it('finds e-mail addresses, links, phone numbers, dates and amounts', async () => {
    const { details, output } = await analyse(ENTITY_TEXT);
    const { entities } = JSON.parse(output);
    const values = (kind: string) => entities[kind].map((e: { value: string }) => e.value).sort();
    assert.deepEqual(values('emails'), ['jane.doe@example.com']);
    assert.deepEqual(values('urls'), ['https://example.org/docs']);
    assert.deepEqual(values('phones'), ['+12125550100', '+442079460958']);
    assert.deepEqual(values('dates'), ['12 March 2024', '2024-05-01', 'March 31, 2025']);
    assert.deepEqual(values('money'), ['$1,250.00', '99.90 €', 'EUR 300']);
    assert.deepEqual(details.entities, { emails: 1, urls: 1, phones: 2, dates: 3, money: 3 });
  });

  it("detects the language and leaves that language's stop words out of the keywords", async () => {
    const french =
      'Le port de Marseille accueille chaque année des milliers de navires. Les navires arrivent ' +
      "de toute la Méditerranée et le port reste ouvert toute l'année pour les navires marchands.";
    const { details } = await analyse(french);
    assert.equal(details.language, 'fra');
    assert.equal(details.keywords[0], 'navires');
    assert.ok(!details.keywords.includes('les') && !details.keywords.includes('de'));
    const english = await analyse(
      'The ships will wait. The ships will not sail. The port will stay shut for ships.',
    );
    assert.deepEqual(english.details.keywords.slice(0, 2), ['ships', 'port']);
    assert.ok(!english.details.keywords.includes('will'), 'modal verbs are stop words too');
  });

  it('reads Word documents and HTML (not its scripts), and gives the text alone with the extract preset', async () => {
    const word = await analyse(await docx(['Minutes of the harbour board.', 'The board met twice.']));
    assert.equal(word.details.format, 'docx');
    assert.equal(word.details.words, 9);

    const page = await analyse(html('Board minutes', ['The harbour board met.', 'It met <b>twice</b>.']));
    assert.equal(page.details.format, 'html');
    assert.equal(page.details.title, 'Board minutes');
    assert.equal(JSON.parse(page.output).metadata.author, 'A. Writer');
    assert.ok(!page.details.keywords.includes('hidden'), 'script text is not document text');

    const extracted = await analyse(ENTITY_TEXT, 'extract');
    assert.equal(extracted.result.outputType, 'text/plain; charset=utf-8');
    assert.equal(extracted.output, ENTITY_TEXT);
    assert.equal(extracted.details.entities.emails, 1);
    assert.equal(docAnalyzeProcessor.outputName('a/b.pdf', null, extracted.settings), 'a/b.pdf.txt');
  });

  it('fails clearly on what it cannot read', async () => {
    const code = (error: unknown) => (error instanceof ProcessorError ? error.code : String(error));
    await assert.rejects(analyse(await encryptedPdf('secret')), (e) => code(e) === 'ENCRYPTED');
    const pdf = await plainPdf(3);
    await assert.rejects(analyse(pdf.subarray(0, 200)), (e) => code(e) === 'CORRUPT_INPUT');
    await assert.rejects(analyse(pdf, 'full', { maxPages: 2 }), (e) => code(e) === 'TOO_MANY_PAGES');
    const owner = await analyse(await encryptedPdf(''));
    assert.equal(owner.details.encrypted, true, 'an owner-only encrypted PDF opens');
  });

  it('finds the terms most documents share and the near-duplicate pair across the batch', async () => {
    const texts = [madeUpText(1), nearCopy(madeUpText(1)), madeUpText(2), madeUpText(3)];
    const files = [];
    for (const text of texts) files.push((await analyse(text)).file);
    const result = (await aggregate(files, { duplicateThreshold: 0.8 }, ctx())) as Record<string, any>;

    assert.equal(result.documents, 4);
    assert.equal(result.totalWords, 4 * 400);
    // Made-up words look like some language to the detector: all four alike, whichever.
    assert.deepEqual(Object.values(result.languages), [4]);
    const planted = result.commonTerms.find((t: { term: string }) => t.term === 'zephyrquark');
    assert.deepEqual(planted, {
      term: 'zephyrquark',
      documents: 4,
      share: 1,
      files: files.map((f) => f.index),
    });
    for (const term of result.commonTerms) assert.ok(term.documents / 4 > 0.3, `${term.term} is in > 30 %`);

    assert.equal(result.nearDuplicates.length, 1, 'only the copied pair');
    const [pair] = result.nearDuplicates;
    assert.deepEqual(pair.files, [files[0]!.index, files[1]!.index]);
    assert.deepEqual(pair.names, [files[0]!.name, files[1]!.name]);
    assert.ok(pair.similarity >= 0.8 && pair.similarity < 1, `similarity ${pair.similarity}`);

    assert.equal(result.files.length, 4);
    assert.ok(
      !result.files[2].keywords.includes('zephyrquark'),
      'a term in every document is not distinctive',
    );
  });

  it('analyses a mixed folder through a real server, with the aggregate in report.json', async () => {
    const server = await startTestServer();
    try {
      const { status, body } = await submit(
        server.url,
        [
          { name: 'docs/a.txt', data: madeUpText(1) },
          { name: 'docs/a-copy.md', data: nearCopy(madeUpText(1)) },
          { name: 'docs/b.html', data: html('B', [madeUpText(2)]) },
          { name: 'docs/c.docx', data: await docx([madeUpText(3)]) },
          { name: 'docs/d.pdf', data: Buffer.from(await textPdf(['zephyrquark and more'])) },
          {
            name: 'docs/photo.png',
            data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
          },
        ],
        { processor: 'doc-analyze' },
      );
      assert.equal(status, 202);
      await waitForBatch(server.url, body.id);
      const report = (await getJson(`${server.url}/api/batches/${body.id}/report.json`)).body;
      assert.equal(report.summary.succeeded, 5);
      assert.equal(report.summary.sizeReduction, null, 'an analysis is not a smaller copy');
      const processors: Array<{ name: string; produces: string }> = (
        await getJson(`${server.url}/api/processors`)
      ).body;
      const produces = Object.fromEntries(processors.map((p) => [p.name, p.produces]));
      assert.equal(produces['doc-analyze'], 'report');
      assert.equal(produces.image, 'copy');
      assert.equal(report.files[5].error.code, 'UNSUPPORTED_TYPE');
      assert.deepEqual(
        report.files.slice(0, 5).map((f: any) => [f.outputName, f.details.format]),
        [
          ['docs/a.txt.json', 'text'],
          ['docs/a-copy.md.json', 'text'],
          ['docs/b.html.json', 'html'],
          ['docs/c.docx.json', 'docx'],
          ['docs/d.pdf.json', 'pdf'],
        ],
      );
      const { aggregate: combined } = report;
      assert.equal(combined.documents, 5);
      assert.equal(combined.totalPages, 3);
      assert.deepEqual(
        combined.commonTerms.find((t: any) => t.term === 'zephyrquark'),
        { term: 'zephyrquark', documents: 5, share: 1, files: [0, 1, 2, 3, 4] },
      );
      assert.deepEqual(
        combined.nearDuplicates.map((d: any) => d.names),
        [['docs/a.txt', 'docs/a-copy.md']],
      );
    } finally {
      await server.close();
    }
  });
});
