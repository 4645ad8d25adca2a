/**
 * Near-duplicate detection by MinHash over word shingles (Broder 1997): each document is
 * reduced to a signature of SIGNATURE_SIZE minima; the share of equal positions in two
 * signatures estimates the Jaccard similarity of their sets of 5-word sequences (standard
 * error about 1/sqrt(128) ≈ 0.09). Pairs worth comparing are found by banding (LSH), so a
 * batch of thousands of documents is not compared pair by pair. Short documents, whose
 * few sequences make this estimate useless, are compared exactly too (near-copies.ts).
 */

export const SIGNATURE_SIZE = 128;
const SHINGLE_WORDS = 5;
/** 32 bands of 4 rows: pairs above ~0.5 similarity almost surely share a band. */
const BANDS = 32;
const ROWS = SIGNATURE_SIZE / BANDS;

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finaliser: spreads a 32-bit value; seeded, it stands in for a family of hashes. */
function mix(value: number, seed: number): number {
  let h = (value ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SEEDS = Array.from({ length: SIGNATURE_SIZE }, (_, i) => mix(i + 1, 0x9e3779b9));

/** The signature of a document given as its words in order (lower case); empty text gives an empty signature. */
export function signature(words: readonly string[]): number[] {
  if (words.length === 0) return [];
  const minima = new Array<number>(SIGNATURE_SIZE).fill(0xffffffff);
  const count = Math.max(1, words.length - SHINGLE_WORDS + 1);
  for (let start = 0; start < count; start++) {
    const shingle = fnv1a(words.slice(start, start + SHINGLE_WORDS).join(' '));
    for (let i = 0; i < SIGNATURE_SIZE; i++) {
      const h = mix(shingle, SEEDS[i]!);
      if (h < minima[i]!) minima[i] = h;
    }
  }
  return minima;
}

/** Estimated Jaccard similarity of two signatures, 0–1 (0 when either is empty). */
export function similarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== SIGNATURE_SIZE || b.length !== SIGNATURE_SIZE) return 0;
  let same = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
  return same / SIGNATURE_SIZE;
}

/** Pairs `[i, j]` (i < j, positions in `signatures`) that share at least one band. */
export function candidatePairs(signatures: readonly (readonly number[])[]): Array<[number, number]> {
  const pairs = new Set<string>();
  for (let band = 0; band < BANDS; band++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((sig, doc) => {
      if (sig.length !== SIGNATURE_SIZE) return;
      const key = sig.slice(band * ROWS, (band + 1) * ROWS).join(',');
      const bucket = buckets.get(key);
      if (bucket) bucket.push(doc);
      else buckets.set(key, [doc]);
    });
    for (const bucket of buckets.values()) {
      for (let x = 0; x < bucket.length; x++)
        for (let y = x + 1; y < bucket.length; y++) pairs.add(`${bucket[x]},${bucket[y]}`);
    }
  }
  return [...pairs].map((key) => key.split(',').map(Number) as [number, number]);
}
