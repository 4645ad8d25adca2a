/**
 * doc-analyze's batch `aggregate` (report.json, API.md) as its readers see it: a parser that
 * accepts the shape only when it is there, since a report's `aggregate` is processor-specific
 * and comes from a server, and the few figures the web page and the CLI both show from it.
 * Pure: no I/O.
 */

export interface DocAggregate {
  documents: number;
  totalPages: number;
  totalWords: number;
  /** ISO 639-3 code (`und`: undetermined) → number of documents. */
  languages: Record<string, number>;
  /** Terms found in more than 30 % of the documents, most widespread first. */
  commonTerms: { term: string; documents: number; share: number }[];
  /** Pairs of documents with near-identical text; `similarity` 0–1. */
  nearDuplicates: { names: [string, string]; similarity: number }[];
  files: DocAggregateFile[];
}

/** One document's row of the batch comparison. */
export interface DocAggregateFile {
  index: number;
  name: string;
  format: string | null;
  pages: number | null;
  words: number;
  language: string;
  /** 0–100, when the document has one. */
  quality: number | null;
  keywords: string[];
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isShare = (value: unknown): value is number => isCount(value) && value <= 1;
const orNull = <T>(value: unknown, check: (v: unknown) => v is T): T | null => (check(value) ? value : null);
const isString = (value: unknown): value is string => typeof value === 'string';

/** The entries of `value` that `parse` accepts (null: left out); null when it is not an array. */
function listOf<T>(value: unknown, parse: (entry: Fields) => T | null): T[] | null {
  if (!Array.isArray(value)) return null;
  return value.flatMap((entry) => {
    const parsed = isObject(entry) ? parse(entry) : null;
    return parsed === null ? [] : [parsed];
  });
}

function commonTerm(entry: Fields): DocAggregate['commonTerms'][number] | null {
  const { term, documents, share } = entry;
  return isString(term) && isCount(documents) && isShare(share) ? { term, documents, share } : null;
}

function nearDuplicate(entry: Fields): DocAggregate['nearDuplicates'][number] | null {
  const { names, similarity } = entry;
  if (!Array.isArray(names) || names.length !== 2) return null;
  const [a, b] = names as unknown[];
  return isString(a) && isString(b) && isShare(similarity) ? { names: [a, b], similarity } : null;
}

function comparisonRow(entry: Fields): DocAggregateFile | null {
  const { index, name, words, keywords } = entry;
  if (!isCount(index) || !isString(name) || !isCount(words)) return null;
  return {
    index,
    name,
    format: orNull(entry.format, isString),
    pages: orNull(entry.pages, isCount),
    words,
    language: isString(entry.language) ? entry.language : 'und',
    quality: orNull(entry.quality, isCount),
    keywords: Array.isArray(keywords) ? keywords.filter(isString) : [],
  };
}

/**
 * The aggregate when it has doc-analyze's shape, else null (another processor's aggregate,
 * none, or something broken). The totals, languages and lists must be there; an entry of a
 * list that lacks what is shown of it is left out rather than failing the whole.
 */
export function parseDocAggregate(value: unknown): DocAggregate | null {
  if (!isObject(value)) return null;
  const { documents, totalPages, totalWords, languages } = value;
  if (!isCount(documents) || !isCount(totalPages) || !isCount(totalWords) || !isObject(languages))
    return null;
  const commonTerms = listOf(value.commonTerms, commonTerm);
  const nearDuplicates = listOf(value.nearDuplicates, nearDuplicate);
  const files = listOf(value.files, comparisonRow);
  if (!commonTerms || !nearDuplicates || !files) return null;
  const counted = Object.entries(languages).filter((entry): entry is [string, number] => isCount(entry[1]));
  return {
    documents,
    totalPages,
    totalWords,
    languages: Object.fromEntries(counted),
    commonTerms,
    nearDuplicates,
    files,
  };
}

let displayNames: Intl.DisplayNames | undefined;

/** `fra` → `French`; the code itself when there is no name for it (`und`: `undetermined`). */
export function languageName(code: string): string {
  if (code === 'und') return 'undetermined';
  try {
    // ICU maps ISO 639-3 codes to their 639-1 twins (`fra` → `fr`); `fallback: 'none'` says
    // when it knows no name instead of echoing the code.
    displayNames ??= new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
    return displayNames.of(code) ?? code;
  } catch {
    // A code that is no language tag at all (RangeError), or no Intl.DisplayNames here.
    return code;
  }
}

/** The languages, most documents first, with their names. */
export function languagesByCount(aggregate: DocAggregate): { code: string; name: string; count: number }[] {
  return Object.entries(aggregate.languages)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, count]) => ({ code, name: languageName(code), count }));
}

/** A share 0–1 as a whole percentage: 0.906 → `91 %`. */
export function formatShare(share: number): string {
  return `${Math.round(share * 100)} %`;
}
