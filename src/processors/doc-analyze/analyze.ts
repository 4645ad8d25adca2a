/**
 * What the text of one document says: how long it is, its language, its most frequent terms,
 * the things a reader looks for (entities) and its most representative sentences — plus
 * what the batch's aggregate needs of it (term counts and a MinHash signature).
 */
import { franc, francAll } from 'franc-min';
import { findEntities, type Entities, type EntityCounts } from './entities.js';
import { signature } from './minhash.js';
import { wordHashes } from './near-copies.js';
import { stopwordsFor } from './stopwords.js';
import { sentences, termOf, words } from './text.js';

export interface TermCount {
  term: string;
  count: number;
}

export interface TextAnalysis {
  words: number;
  characters: number;
  sentences: number;
  /** ISO 639-3 code (`eng`, `fra`, …), or `und` when the text is too short or unclear. */
  language: string;
  /** Most frequent terms (stop words left out), most frequent first. */
  keywords: TermCount[];
  entities: Entities | null;
  entityCounts: EntityCounts | null;
  /** The most representative sentences, in the order they appear. */
  summary: string[];
  /** For the aggregate: the document's terms and counts (the most frequent, up to TERMS_KEPT). */
  terms: TermCount[];
  /** For the aggregate: MinHash signature of the document's 5-word sequences. */
  signature: number[];
  /** For the aggregate, of a short document only: its words, hashed, in order (near-copies.ts). */
  wordHashes?: number[];
}

export interface AnalysisOptions {
  keywords: number;
  summarySentences: number;
  entities: boolean;
  phoneRegion?: string;
}

/** Terms kept per document for the aggregate: enough for "in 30 % of the documents". */
const TERMS_KEPT = 5000;
/** Characters the language detector reads: past this it only gets slower. */
const LANGUAGE_SAMPLE = 20_000;
/** Sentences considered for the summary. */
const SUMMARY_CANDIDATES = 5000;

/**
 * The languages whose stop words apply to a text: the one detected, or for a text too short
 * to tell (`und`) the detector's three best guesses: a wrong guess only takes out a few
 * function words of another language, while no guess would leave "les" and "der" as terms.
 */
function stopLanguages(sample: string, language: string): string[] {
  if (language !== 'und') return [language];
  return francAll(sample, { minLength: 3 })
    .slice(0, 3)
    .map(([code]) => code)
    .filter((code) => code !== 'und');
}

function topTerms(counts: Map<string, number>, limit: number): TermCount[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([term, count]) => ({ term, count }));
}

export function analyzeText(text: string, opts: AnalysisOptions): TextAnalysis {
  const sample = text.slice(0, LANGUAGE_SAMPLE);
  const language = franc(sample, { minLength: 20 });
  const stopwords = stopwordsFor(stopLanguages(sample, language));
  const all: string[] = [];
  const counts = new Map<string, number>();
  for (const word of words(text)) {
    all.push(word.toLocaleLowerCase());
    const term = termOf(word, stopwords);
    if (term !== null) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  const hashes = wordHashes(all);
  const found = opts.entities ? findEntities(text, opts.phoneRegion) : null;
  const { count: sentenceCount, summary } = summarise(text, counts, stopwords, opts.summarySentences);
  return {
    words: all.length,
    characters: [...text.replace(/\s+/g, '')].length,
    sentences: sentenceCount,
    language,
    keywords: topTerms(counts, opts.keywords),
    entities: found?.entities ?? null,
    entityCounts: found?.counts ?? null,
    summary,
    terms: topTerms(counts, TERMS_KEPT),
    signature: signature(all),
    ...(hashes && { wordHashes: hashes }),
  };
}

/**
 * Counts the sentences and picks the `wanted` most representative: those whose terms are
 * the document's most frequent, on average (a frequency-based extractive summary, after
 * Luhn 1958). Very short and very long "sentences" (headings, tables) are passed over.
 */
function summarise(
  text: string,
  counts: Map<string, number>,
  stopwords: ReadonlySet<string>,
  wanted: number,
): { count: number; summary: string[] } {
  let count = 0;
  let top = 1;
  for (const n of counts.values()) if (n > top) top = n;
  const scored: Array<{ at: number; score: number; sentence: string }> = [];
  for (const sentence of sentences(text)) {
    const at = count++;
    if (wanted === 0 || at >= SUMMARY_CANDIDATES) continue;
    const sentenceWords = [...words(sentence)];
    if (sentenceWords.length < 6 || sentenceWords.length > 50) continue;
    let sum = 0;
    for (const word of sentenceWords) {
      const term = termOf(word, stopwords);
      if (term !== null) sum += (counts.get(term) ?? 0) / top;
    }
    scored.push({ at, score: sum / Math.sqrt(sentenceWords.length), sentence });
  }
  const summary = scored
    .sort((a, b) => b.score - a.score || a.at - b.at)
    .slice(0, wanted)
    .sort((a, b) => a.at - b.at)
    .map((s) => s.sentence);
  return { count, summary };
}
