/**
 * Documents for doc-analyze's tests, made here: texts of made-up words (so no real word
 * lists or languages interfere), one term planted in every text, a near-copy of one text;
 * a PDF with text, metadata and a blank page; a minimal Word document; an HTML page.
 */
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { ZipFile } from 'yazl';

/** A made-up vocabulary of `size` words, different for each seed (a tiny LCG, so the same every run). */
function vocabulary(seed: number, size: number): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ren', 'tu', 'vas', 'zo', 'pel', 'dri', 'gum', 'sha', 'nox'];
  let state = seed;
  // The high bits: an LCG's low bits repeat with a short period.
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16) % syllables.length;
  const words = new Set<string>();
  while (words.size < size) words.add(`${syllables[next()]}${syllables[next()]}${syllables[next()]}`);
  return [...words];
}

/** A text of `sentences` sentences of 10 words drawn from the seed's vocabulary, `planted` in each third sentence. */
export function madeUpText(seed: number, sentences = 40, planted = 'zephyrquark'): string {
  const words = vocabulary(seed, 120);
  let state = seed * 7 + 1;
  const pick = () => words[((state = (Math.imul(state, 22695477) + 1) >>> 0) >>> 16) % words.length]!;
  const lines: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const sentence = Array.from({ length: 10 }, pick);
    if (s % 3 === 0) sentence[4] = planted;
    lines.push(`${sentence.join(' ').replace(/^./, (c) => c.toUpperCase())}.`);
  }
  return lines.join(' ');
}

/** `text` with every 60th word replaced: a near-duplicate (about 0.8–0.9 of its 5-word sequences shared). */
export function nearCopy(text: string): string {
  return text
    .split(' ')
    .map((word, i) => (i % 60 === 59 ? 'altered' : word))
    .join(' ');
}

/** A PDF with a title and author, text on page 1 and 3 and nothing on page 2; Helvetica is not embedded. */
export async function textPdf(
  lines: string[],
  opts: { title?: string; author?: string } = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  if (opts.title) doc.setTitle(opts.title);
  if (opts.author) doc.setAuthor(opts.author);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const write = (page: ReturnType<PDFDocument['addPage']>, text: string[]) =>
    text.forEach((line, i) => page.drawText(line, { x: 40, y: 760 - i * 16, size: 11, font }));
  write(doc.addPage([595, 842]), lines);
  doc.addPage([595, 842]);
  write(doc.addPage([595, 842]), ['The last page.']);
  return doc.save();
}

/** A minimal Word (DOCX) document with one paragraph per line. */
export async function docx(paragraphs: string[]): Promise<Buffer> {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = paragraphs.map((p) => `<w:p><w:r><w:t>${escape(p)}</w:t></w:r></w:p>`).join('');
  const parts: Record<string, string> = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  };
  const zip = new ZipFile();
  for (const [name, content] of Object.entries(parts)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function html(title: string, paragraphs: string[]): string {
  return `<!DOCTYPE html>\n<html><head><title>${title}</title><meta name="author" content="A. Writer">
<script>var hidden = "script text is not document text";</script></head>
<body>${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}<img src="x.png" alt="picture"></body></html>`;
}
