/**
 * Client-supplied file names, made safe for display and for paths inside the results ZIP.
 * These names never reach the filesystem (files are stored under keys of our own), but they
 * do reach ZIP readers and spreadsheets, so they are normalised all the same.
 */

const MAX_SEGMENT = 200;
const MAX_SEGMENTS = 32;
// C0 and C1 control characters and DEL; they have no business in a file name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/**
 * Bidirectional formatting characters (marks, embeddings, overrides, isolates): a name with
 * them shows other than it is — `evil\u202egpj.exe` reads as `evilexe.jpg`. Dropped: the
 * letters of right-to-left scripts need none of them to show right.
 */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Normalises a relative path such as `trip/day1/a.jpg`: forward slashes, NFC, no control
 * or bidirectional formatting characters, no empty, `.` or `..` segments, no drive letter or leading slash. Returns
 * `fallback` when nothing is left.
 */
export function normaliseRelativePath(raw: string, fallback: string): string {
  const segments = raw
    .normalize('NFC')
    .replace(CONTROL, '')
    .replace(BIDI_CONTROL, '')
    .replace(/\\/g, '/')
    .replace(/^[a-zA-Z]:/, '')
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .map((s) => truncate(s, MAX_SEGMENT));
  const kept = segments.slice(-MAX_SEGMENTS);
  return kept.length > 0 ? kept.join('/') : fallback;
}

function truncate(segment: string, max: number): string {
  if (segment.length <= max) return segment;
  const dot = segment.lastIndexOf('.');
  const ext = dot > 0 && segment.length - dot <= 16 ? segment.slice(dot) : '';
  return segment.slice(0, max - ext.length) + ext;
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
