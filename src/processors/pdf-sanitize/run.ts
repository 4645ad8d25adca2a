/**
 * The pdf-sanitize processor's work, in the sandboxed worker: parse the PDF (pdf-lib, which
 * unpacks object streams), disarm it (disarm.ts), write a new file (not an incremental
 * update: no earlier revision survives), then parse what was written and check it holds
 * nothing that can act; if it does, the file fails closed and no output is kept.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { EncryptedPDFError, PDFDocument } from '@cantoo/pdf-lib';
import { ProcessorError, type ProcessorRun } from '../processor.js';
import { disarm, type DisarmOptions } from './disarm.js';
import { remainingRisks } from './verify.js';

interface Settings extends DisarmOptions {
  maxPages: number;
}

function settingsOf(raw: Record<string, unknown>): Settings {
  return {
    links: (raw.links as Settings['links']) ?? 'web-only',
    metadata: (raw.metadata as Settings['metadata']) ?? 'keep',
    maxPages: typeof raw.maxPages === 'number' ? raw.maxPages : 1000,
  };
}

/** `1.7` from the header `%PDF-1.7`, or null. */
function versionOf(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  return /%PDF-(\d\.\d)/.exec(head)?.[1] ?? null;
}

interface Loaded {
  doc: PDFDocument;
  pages: number;
  /** It was encrypted with an empty user password (owner-only: "restrictions"), now opened. */
  encrypted: boolean;
}

const corrupt = (name: string, cause: unknown) =>
  new ProcessorError('CORRUPT_INPUT', `"${name}" cannot be read as a PDF.`, { cause });

/**
 * The parsed document and its page count. An encrypted file is opened with the empty
 * password (what owner-only encryption uses: anyone may read, the "owner" restricts
 * printing or copying) and written out unencrypted; one that needs a real password fails
 * with ENCRYPTED. A file the parser cannot make sense of is CORRUPT_INPUT.
 */
async function load(bytes: Uint8Array, name: string): Promise<Loaded> {
  let encrypted = false;
  try {
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    // The parser is lenient: a file without a usable catalog only shows here.
    return { doc, pages: doc.getPageCount(), encrypted };
  } catch (error) {
    if (!(error instanceof EncryptedPDFError)) throw corrupt(name, error);
    encrypted = true;
  }
  try {
    const doc = await PDFDocument.load(bytes, { password: '', updateMetadata: false });
    // Decrypted in memory: written without its encryption dictionary, nothing refers to it.
    doc.context.trailerInfo.Encrypt = undefined;
    return { doc, pages: doc.getPageCount(), encrypted };
  } catch (error) {
    if (/needs password|password incorrect/i.test(String((error as Error)?.message))) {
      throw new ProcessorError('ENCRYPTED', `"${name}" needs a password to be opened.`);
    }
    throw corrupt(name, error);
  }
}

/** The written file, parsed again; a file that cannot even be read back fails closed. */
async function reread(output: Uint8Array, name: string): Promise<PDFDocument> {
  try {
    return await PDFDocument.load(output, { updateMetadata: false });
  } catch (error) {
    throw new ProcessorError(
      'SANITIZE_VERIFY_FAILED',
      `The disarmed "${name}" could not be read back; no output was kept.`,
      {
        cause: error,
      },
    );
  }
}

export const run: ProcessorRun = async (input, rawSettings, ctx) => {
  const settings = settingsOf(rawSettings);
  const bytes = await readFile(input.inputPath);
  const { doc, pages, encrypted } = await load(bytes, input.name);
  if (pages > settings.maxPages) {
    throw new ProcessorError(
      'TOO_MANY_PAGES',
      `"${input.name}" has ${pages} pages; the limit is ${settings.maxPages}.`,
    );
  }
  ctx.progress(30);
  const found = disarm(doc, settings);
  ctx.progress(60);
  const output = await doc.save({ useObjectStreams: false, updateFieldAppearances: false });
  if (output.byteLength > ctx.limits.maxOutputBytes) {
    throw new ProcessorError(
      'OUTPUT_TOO_LARGE',
      `The disarmed "${input.name}" would be larger than allowed.`,
    );
  }
  await writeFile(input.outputPath, output);
  ctx.progress(80);

  const reparsed = await reread(output, input.name).catch(async (error: unknown) => {
    await rm(input.outputPath, { force: true });
    throw error;
  });
  const remaining = remainingRisks(reparsed);
  if (remaining.length > 0) {
    await rm(input.outputPath, { force: true });
    throw new ProcessorError(
      'SANITIZE_VERIFY_FAILED',
      `"${input.name}" still held active content after disarming (${remaining.slice(0, 3).join(', ')}); no output was kept.`,
    );
  }
  return {
    outputType: 'application/pdf',
    details: {
      mode: 'structural',
      pages,
      pdfVersion: versionOf(bytes),
      encrypted,
      found,
      removed: found,
    },
  };
};
