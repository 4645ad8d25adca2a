/**
 * Near-copies among short documents (up to SHORT_WORDS words), found exactly. MinHash over
 * 5-word sequences (minhash.ts) cannot see them: every changed word breaks the five
 * sequences it is part of, so two 20-word texts that differ by two words share 6 of 26
 * sequences (Jaccard 0.23) and are never paired at any sensible threshold.
 *
 * For short texts the similarity is instead the share of words the same, in the same order:
 * 1 − (word edit distance) / (longer text's words). Two 20-word texts differing by two words
 * are 0.9 alike, by four 0.8, so the default threshold of 0.8 pairs a text with a copy that
 * had up to one word in five changed, added or removed, while texts that merely share a
 * language's common words stay far below it.
 *
 * The candidates are found by prefix filtering (Bayardo et al. 2007, "Scaling up all pairs
 * similarity search"), not by comparing every pair: two texts that similar share at least
 * ⌈threshold × length⌉ words, so they share one among the first length − ⌈threshold ×
 * length⌉ + 1 of each text's words taken rarest first; only texts that do are compared.
 */
import { fnv1a } from './minhash.js';

/** Documents up to this many words are compared here; longer ones by MinHash, which holds up for them. */
export const SHORT_WORDS = 200;
/**
 * Candidate pairs compared in one batch, at most: a batch of thousands of copies of one text
 * still ends (identical texts, the usual case, are not counted), with the pairs list full
 * long before (the aggregate lists 1,000).
 */
const MAX_COMPARED = 20_000;

/** A short document's words as hashes, for the aggregate's data file; undefined past SHORT_WORDS. */
export function wordHashes(words: readonly string[]): number[] | undefined {
  return words.length > 0 && words.length <= SHORT_WORDS ? words.map(fnv1a) : undefined;
}

export interface NearCopy {
  /** Positions in the list given, a < b. */
  a: number;
  b: number;
  /** 1 − edit distance / longer length, 0–1. */
  similarity: number;
}

interface Doc {
  position: number;
  words: readonly number[];
  /** Each word with its occurrence number (a text's second "the" is not its first), rarest first. */
  ordered: string[];
  prefix: number;
}

/** Pairs of short documents (given as `wordHashes`, undefined for the others) at least `threshold` alike. */
export function shortNearCopies(
  documents: readonly (readonly number[] | undefined)[],
  threshold: number,
): NearCopy[] {
  const docs = withRarestFirst(documents, threshold);
  // Shortest first: each document meets only the shorter ones already indexed.
  docs.sort((x, y) => x.words.length - y.words.length || x.position - y.position);
  const index = new Map<string, Doc[]>();
  const pairs: NearCopy[] = [];
  let compared = 0;
  for (const doc of docs) {
    const met = new Set<Doc>();
    for (const key of doc.ordered.slice(0, doc.prefix)) {
      for (const other of index.get(key) ?? []) {
        if (other.words.length >= threshold * doc.words.length) met.add(other);
      }
    }
    for (const other of met) {
      const identical = sameWords(other.words, doc.words);
      if (!identical && compared++ >= MAX_COMPARED) break;
      const similarity = identical ? 1 : editSimilarity(other.words, doc.words, threshold);
      if (similarity >= threshold) {
        const [a, b] = [other.position, doc.position].sort((p, q) => p - q) as [number, number];
        pairs.push({ a, b, similarity });
      }
    }
    for (const key of doc.ordered.slice(0, doc.prefix)) {
      const list = index.get(key);
      if (list) list.push(doc);
      else index.set(key, [doc]);
    }
  }
  return pairs;
}

function withRarestFirst(documents: readonly (readonly number[] | undefined)[], threshold: number): Doc[] {
  const docs: Doc[] = [];
  const frequency = new Map<string, number>();
  documents.forEach((words, position) => {
    if (!words || words.length === 0 || words.length > SHORT_WORDS) return;
    const seen = new Map<number, number>();
    const ordered = words.map((word) => {
      const nth = (seen.get(word) ?? 0) + 1;
      seen.set(word, nth);
      return `${word}:${nth}`;
    });
    for (const key of ordered) frequency.set(key, (frequency.get(key) ?? 0) + 1);
    // The words two texts this alike must share, at least; a little slack for rounding.
    const shared = Math.ceil(threshold * words.length - 1e-9);
    docs.push({ position, words, ordered, prefix: words.length - shared + 1 });
  });
  for (const doc of docs) {
    doc.ordered.sort((x, y) => frequency.get(x)! - frequency.get(y)! || (x < y ? -1 : x > y ? 1 : 0));
  }
  return docs;
}

function sameWords(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}

/**
 * 1 − (word edit distance) / (longer length), or 0 when the distance is past what
 * `threshold` allows: only the band of cells within that distance of the diagonal is
 * computed (Ukkonen 1985).
 */
export function editSimilarity(a: readonly number[], b: readonly number[], threshold: number): number {
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  const allowed = Math.floor((1 - threshold) * longer + 1e-9);
  if (Math.abs(a.length - b.length) > allowed) return 0;
  const beyond = allowed + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => (j <= allowed ? j : beyond));
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current.fill(beyond);
    if (i <= allowed) current[0] = i;
    let best = current[0]!;
    for (let j = Math.max(1, i - allowed); j <= Math.min(b.length, i + allowed); j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(beyond, previous[j]! + 1, current[j - 1]! + 1, substitution);
      if (current[j]! < best) best = current[j]!;
    }
    if (best > allowed) return 0;
    [previous, current] = [current, previous];
  }
  const distance = previous[b.length]!;
  return distance > allowed ? 0 : 1 - distance / longer;
}
