/**
 * The words not worth counting as terms: the stop words of the languages at hand (the
 * `stopword` package's lists), English's always (documents mix in English terms and names),
 * and the noise of the web and of markup ("http", "www", "nbsp") that text taken from pages
 * and PDFs carries. One document uses its own language's; the batch's aggregate uses those
 * of every language detected in the batch, so a short French text whose language was not
 * detected does not put "les" among the batch's common terms.
 */
import * as stopwordLists from 'stopword';

const lists = stopwordLists as unknown as Record<string, string[] | undefined>;

/**
 * Function words and contractions stopword's short English list (108 words) leaves in, from
 * the Snowball list, and a few generic words that top every "common terms" table without
 * saying anything of a batch ("new", "one", "use").
 */
const ENGLISH_EXTRA = [
  // Modal verbs and negations.
  ...['will', 'shall', 'may', 'not', 'no', 'nor'],
  // Snowball's English words missing from stopword's.
  ...['its', 'itself', 'myself', 'ours', 'ourselves', 'yours', 'yourself', 'yourselves', 'hers'],
  ...['herself', 'theirs', 'themselves', 'whom', 'why', 'when', 'against', 'during', 'above'],
  ...['below', 'down', 'off', 'again', 'further', 'once', 'few', 'own', 'so', 'just', 'does'],
  ...['doing', 'having', 'until', 'upon', 'yet', 'via', 'per', 'within', 'without', 'across'],
  ...['along', 'around', 'among', 'etc'],
  // Contractions, as the word segmenter gives them (apostrophes made straight by termOf).
  ...["it's", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "can't"],
  ...["won't", "i'm", "i've", "i'd", "i'll", "you're", "we're", "they're", "that's", "there's"],
  ...["let's", "he's", "she's"],
  // Generic words.
  ...['new', 'one', 'two', 'three', 'first', 'use', 'used', 'using', 'see', 'made', 'even'],
  ...['every', 'however', 'thus', 'often', 'including'],
];
/** Web and markup leftovers: URL parts, top-level domains, file extensions, HTML entities. */
const WEB_NOISE = [
  ...['http', 'https', 'www', 'com', 'org', 'net', 'edu', 'gov', 'io', 'html', 'htm', 'php'],
  ...['asp', 'aspx', 'jsp', 'cgi', 'url', 'href', 'src', 'mailto', 'utm', 'ftp', 'css', 'js'],
  ...['json', 'xml', 'pdf', 'jpg', 'jpeg', 'png', 'gif', 'svg', 'webp', 'nbsp', 'amp', 'quot'],
  ...['lt', 'gt', 'apos', 'px', 'em', 'pt', 'rgb', 'div', 'span', 'img', 'br', 'li', 'ul'],
];

/** franc's codes whose stop list `stopword` files under a related code. */
const ALIASES: Record<string, string> = {
  arb: 'ara', // Arabic
  pes: 'fas', // Persian
  swh: 'swa', // Swahili
  zlm: 'msa', // Malay
  cmn: 'zho', // Mandarin
  bos: 'hrv', // Bosnian, written as Croatian is
};

const ALWAYS: readonly string[] = [...(lists.eng ?? []), ...ENGLISH_EXTRA, ...WEB_NOISE];

/** The stop words of one language (ISO 639-3, franc's code); none for `und` or an unknown one. */
export function stopwordsOf(language: string): readonly string[] {
  return lists[ALIASES[language] ?? language] ?? [];
}

/** English's, the web's, and the stop words of each of `languages`. */
export function stopwordsFor(languages: Iterable<string>): Set<string> {
  const set = new Set(ALWAYS);
  for (const language of languages) for (const word of stopwordsOf(language)) set.add(word);
  return set;
}
