/**
 * The doc-analyze processor's work, in the sandboxed worker: extract the text (extract.ts),
 * analyse it (analyze.ts, quality.ts), write the analysis or the text as the output, keep
 * what the batch's aggregate needs at `dataPath`; and the aggregate itself (aggregate.ts).
 */
import { writeFile } from 'node:fs/promises';
import { ProcessorError, type ProcessorRun } from '../processor.js';
import { analyzeText, type AnalysisOptions } from './analyze.js';
import { extract } from './extract.js';
import { assessQuality } from './quality.js';

export { aggregate } from './aggregate.js';

interface Settings extends AnalysisOptions {
  output: 'analysis' | 'text';
  maxPages: number;
  /** The languages to read pages without a text layer in; null: no OCR. */
  ocrLanguages: string[] | null;
}

function settingsOf(raw: Record<string, unknown>): Settings {
  const int = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  return {
    output: raw.output === 'text' ? 'text' : 'analysis',
    keywords: int(raw.keywords, 10),
    summarySentences: int(raw.summarySentences, 3),
    entities: raw.entities !== false,
    ...(typeof raw.phoneRegion === 'string' && { phoneRegion: raw.phoneRegion }),
    maxPages: int(raw.maxPages, 1000),
    ocrLanguages: raw.ocr === true ? ((raw.ocrLanguages as string[] | undefined) ?? ['eng']) : null,
  };
}

/** What the aggregate reads of each file (see `RunInput.dataPath`). */
export interface AggregateData {
  terms: Array<[string, number]>;
  signature: number[];
  /** A short document's words, hashed, in order (near-copies.ts); absent for longer ones. */
  words?: number[];
}

export const run: ProcessorRun = async (input, rawSettings, ctx) => {
  const settings = settingsOf(rawSettings);
  const doc = await extract(input.inputPath, input.contentType, input.name, {
    maxPages: settings.maxPages,
    maxImagePixels: ctx.limits.maxInputPixels,
    progress: ctx.progress,
    ocrLanguages: settings.ocrLanguages,
  });
  const text = analyzeText(doc.text, settings);
  ctx.progress(90);
  const quality = assessQuality(doc, text.words);
  const analysis = {
    name: input.name,
    format: doc.format,
    pages: doc.pages,
    words: text.words,
    characters: text.characters,
    sentences: text.sentences,
    language: text.language,
    metadata: doc.metadata,
    pdf: doc.pdf,
    quality,
    keywords: text.keywords,
    entities: text.entities,
    summary: text.summary,
  };
  const output = settings.output === 'text' ? doc.text : `${JSON.stringify(analysis, null, 2)}\n`;
  if (Buffer.byteLength(output) > ctx.limits.maxOutputBytes) {
    throw new ProcessorError(
      'OUTPUT_TOO_LARGE',
      `The analysis of "${input.name}" would be larger than allowed.`,
    );
  }
  await writeFile(input.outputPath, output);
  if (input.dataPath) {
    const data: AggregateData = {
      terms: text.terms.map((t) => [t.term, t.count]),
      signature: text.signature,
      ...(text.wordHashes && { words: text.wordHashes }),
    };
    await writeFile(input.dataPath, JSON.stringify(data));
  }
  return {
    outputType: settings.output === 'text' ? 'text/plain; charset=utf-8' : 'application/json',
    details: {
      format: doc.format,
      pages: doc.pages,
      words: text.words,
      characters: text.characters,
      language: text.language,
      title: doc.metadata.title,
      pdfVersion: doc.pdf?.version ?? null,
      encrypted: doc.pdf?.encrypted ?? false,
      pagesWithoutText: doc.pdf?.pagesWithoutText.length ?? 0,
      ...(doc.pdf?.ocrPages && { ocrPages: doc.pdf.ocrPages.length }),
      fontsNotEmbedded: doc.pdf?.fonts.filter((f) => !f.embedded).length ?? 0,
      quality: quality.score,
      keywords: text.keywords.map((k) => k.term),
      entities: text.entityCounts,
    },
  };
};
