/**
 * Client-supplied file names, made safe for display and for paths inside the results ZIP.
 * These names never reach the filesystem (files are stored under keys of our own), but they
 * do reach ZIP readers and spreadsheets, so they are normalised all the same.
 */

const MAX_SEGMENT = 200;
const MAX_SEGMENTS = 32;
/** Longest raw name kept for the report, in UTF-16 code units, before escaping. */
const MAX_ORIGINAL = 1024;
// C0 and C1 control characters and DEL; they have no business in a file name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/**
 * Characters that are not seen but change what is: format characters (Unicode category Cf:
 * the bidirectional marks, embeddings, overrides and isolates — `evil\u202egpj.exe` reads
 * as `evilexe.jpg` — zero-width spaces and joiners, the soft hyphen, the byte-order mark,
 * invisible operators, tag characters), and line and paragraph separators. Dropped: the
 * letters of right-to-left scripts need none of them to show right.
 */
const HIDDEN = /[\p{Cf}\p{Zl}\p{Zp}]/gu;
/** What the report escapes in a raw name: everything dropped as unseen, and the escape character. */
const ESCAPED = /[\u0000-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\\]/gu;

/**
 * What cleaning a name changed that whoever reads the clean name cannot see; shown in the
 * file's `details`. Absent keys: not so.
 */
export interface NameFacts {
  /** A segment was cut to 200 characters, or leading folders past 32 were dropped. */
  nameShortened?: true;
  /** How many unseen characters (format, control, line and paragraph separators) went. */
  nameCharactersRemoved?: number;
  /**
   * The name as sent, those characters (and `\`) escaped as JSON would (`evil\u202egpj.exe`),
   * its first 1,024 characters. For the report only: it is what the clean name hides.
   */
  originalName?: string;
}

/**
 * Normalises a relative path such as `trip/day1/a.jpg`: forward slashes, NFC, no control,
 * format or separator characters, no empty, `.` or `..` segments, no drive letter or leading
 * slash, segments of at most 200 characters, at most 32 of them. Returns `fallback` when
 * nothing is left.
 */
export function normaliseRelativePath(raw: string, fallback: string): string {
  return cleanRelativePath(raw, fallback).name;
}

/**
 * {@link normaliseRelativePath}, and what the cleaning hid: null when nothing was removed or
 * cut (a backslash made a slash, a `..` dropped, are visible in the name and not reported).
 */
export function cleanRelativePath(raw: string, fallback: string): { name: string; facts: NameFacts | null } {
  const nfc = raw.normalize('NFC');
  const visible = nfc.replace(CONTROL, '').replace(HIDDEN, '');
  const removed = [...nfc].length - [...visible].length;
  const segments = visible
    .replace(/\\/g, '/')
    .replace(/^[a-zA-Z]:/, '')
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '.' && s !== '..');
  const kept = segments.slice(-MAX_SEGMENTS).map((s) => truncate(s, MAX_SEGMENT));
  const shortened = segments.length > MAX_SEGMENTS || segments.some((s) => s.length > MAX_SEGMENT);
  const name = kept.length > 0 ? kept.join('/') : fallback;
  if (removed === 0 && !shortened) return { name, facts: null };
  const facts: NameFacts = {};
  if (shortened) facts.nameShortened = true;
  if (removed > 0) facts.nameCharactersRemoved = removed;
  facts.originalName = escapeName(raw);
  return { name, facts };
}

/** `raw`, its unseen characters and backslashes escaped as JSON escapes them, at most 1,024 of it. */
function escapeName(raw: string): string {
  const head = raw.length > MAX_ORIGINAL ? `${cutAt(raw, MAX_ORIGINAL)}…` : raw;
  return head.replace(ESCAPED, (char) => {
    if (char === '\\') return '\\\\';
    // By UTF-16 code unit, as JSON writes a character outside the Basic Multilingual Plane.
    let escaped = '';
    for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}

function truncate(segment: string, max: number): string {
  if (segment.length <= max) return segment;
  const dot = segment.lastIndexOf('.');
  const ext = dot > 0 && segment.length - dot <= 16 ? segment.slice(dot) : '';
  return cutAt(segment, max - ext.length) + ext;
}

/** The first `max` UTF-16 code units of `text`, one fewer rather than half a surrogate pair. */
function cutAt(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Splits `dir/name.ext` into `dir/name` and `.ext` (the extension may be empty). */
export function splitExtension(path: string): { stem: string; ext: string } {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return { stem: path, ext: '' };
  return { stem: path.slice(0, dot), ext: path.slice(dot) };
}

/** `a/b.jpg` with `.webp` → `a/b.webp`. An empty `ext` keeps the name as it is. */
export function replaceExtension(path: string, ext: string): string {
  if (ext === '') return path;
  return splitExtension(path).stem + ext;
}

/**
 * Makes every name of a batch unique, case-insensitively (ZIP readers on macOS and Windows
 * would otherwise overwrite one with the other): the second `a.jpg` becomes `a (2).jpg`.
 */
export function dedupeNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => takeUniqueName(name, taken));
}

/** `name`, or `name (2)`, `name (3)`, … whichever is not in `taken` yet (lower-cased); records it. */
export function takeUniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) {
    const { stem, ext } = splitExtension(name);
    candidate = `${stem} (${n})${ext}`;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}
