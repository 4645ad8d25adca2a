/**
 * doc-analyze's combined analysis of a batch (report.json's `aggregate`, format in API.md):
 * totals, languages, the terms found in more than 30 % of the documents (the stop words of
 * every language detected in the batch left out), pairs of documents with near-identical
 * text (MinHash; short ones compared word by word, near-copies.ts), and one comparison row
 * per document with its keywords weighed against the batch (TF-IDF: frequent here, rare
 * elsewhere).
 */
import { readFile } from 'node:fs/promises';
import type { AggregateFile, ProcessorAggregate } from '../processor.js';
import { candidatePairs, similarity } from './minhash.js';
import { shortNearCopies } from './near-copies.js';
import type { AggregateData } from './run.js';
import { stopwordsFor } from './stopwords.js';
import { termOf } from './text.js';

/** A term is common when it is in more than this share of the documents (API.md). */
const COMMON_SHARE = 0.3;
const COMMON_TERMS_LISTED = 50;
const DUPLICATE_PAIRS_LISTED = 1000;
const KEYWORDS_PER_FILE = 5;

async function readData(file: AggregateFile): Promise<AggregateData> {
  try {
    return JSON.parse(await readFile(file.dataPath, 'utf8')) as AggregateData;
  } catch {
    return { terms: [], signature: [] };
  }
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function numberOf(details: Record<string, unknown> | null, key: string): number {
  const value = details?.[key];
  return typeof value === 'number' ? value : 0;
}

export const aggregate: ProcessorAggregate = async (files, settings, ctx) => {
  const threshold = typeof settings.duplicateThreshold === 'number' ? settings.duplicateThreshold : 0.8;
  const languageOf = (file: AggregateFile) =>
    typeof file.details?.language === 'string' ? file.details.language : 'und';
  const stopwords = stopwordsFor(new Set(files.map(languageOf)));
  // Each document left out its own language's stop words; a short one whose language was
  // not detected, or a French one in an English batch, may still hold the others'.
  const data = (await Promise.all(files.map(readData))).map((doc) => ({
    ...doc,
    terms: doc.terms.filter(([term]) => termOf(term, stopwords) !== null),
  }));
  ctx.progress(30);

  const documentsWith = new Map<string, number[]>();
  data.forEach((doc, position) => {
    for (const [term] of doc.terms) {
      const list = documentsWith.get(term);
      if (list) list.push(files[position]!.index);
      else documentsWith.set(term, [files[position]!.index]);
    }
  });
  const n = files.length;
  const commonTerms = [...documentsWith]
    .filter(([, indices]) => indices.length >= 2 && indices.length / n > COMMON_SHARE)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
    .slice(0, COMMON_TERMS_LISTED)
    .map(([term, indices]) => ({
      term,
      documents: indices.length,
      share: round(indices.length / n),
      files: indices,
    }));
  ctx.progress(60);

  const nearDuplicates = nearCopies(data, threshold)
    .sort((x, y) => y.similarity - x.similarity || x.a - y.a || x.b - y.b)
    .slice(0, DUPLICATE_PAIRS_LISTED)
    .map(({ a, b, similarity: value }) => ({
      files: [files[a]!.index, files[b]!.index],
      names: [files[a]!.name, files[b]!.name],
      similarity: round(value),
    }));
  ctx.progress(80);

  const languages: Record<string, number> = {};
  for (const file of files) languages[languageOf(file)] = (languages[languageOf(file)] ?? 0) + 1;
  return {
    documents: n,
    totalPages: files.reduce((sum, f) => sum + numberOf(f.details, 'pages'), 0),
    totalWords: files.reduce((sum, f) => sum + numberOf(f.details, 'words'), 0),
    languages,
    commonTerms,
    nearDuplicates,
    files: files.map((file, position) => ({
      index: file.index,
      name: file.name,
      format: file.details?.format ?? null,
      pages: file.details?.pages ?? null,
      words: numberOf(file.details, 'words'),
      language: file.details?.language ?? 'und',
      quality: file.details?.quality ?? null,
      keywords: distinctiveTerms(data[position]!, documentsWith, n),
    })),
  };
};

/** The document's terms that are frequent in it and rare in the rest of the batch (TF-IDF). */
function distinctiveTerms(doc: AggregateData, documentsWith: Map<string, number[]>, n: number): string[] {
  const total = doc.terms.reduce((sum, [, count]) => sum + count, 0) || 1;
  return doc.terms
    .map(([term, count]) => {
      const df = documentsWith.get(term)?.length ?? 1;
      return { term, weight: (count / total) * (Math.log((1 + n) / (1 + df)) + 1) };
    })
    .sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1))
    .slice(0, KEYWORDS_PER_FILE)
    .map((t) => t.term);
}

/**
 * Pairs at least `threshold` alike: by MinHash (Jaccard of 5-word sequences) for any two
 * documents, and for two short ones also by their words in order (near-copies.ts), which
 * finds the copy with a word or two changed that MinHash misses; the higher figure counts.
 */
function nearCopies(data: readonly AggregateData[], threshold: number) {
  const pairs = new Map<string, { a: number; b: number; similarity: number }>();
  const keep = (a: number, b: number, value: number) => {
    const key = `${a},${b}`;
    if (value >= threshold && value > (pairs.get(key)?.similarity ?? -1))
      pairs.set(key, { a, b, similarity: value });
  };
  for (const [a, b] of candidatePairs(data.map((d) => d.signature)))
    keep(a, b, similarity(data[a]!.signature, data[b]!.signature));
  const short = shortNearCopies(
    data.map((d) => d.words),
    threshold,
  );
  for (const pair of short) keep(pair.a, pair.b, pair.similarity);
  return [...pairs.values()];
}
