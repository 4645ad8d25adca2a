/**
 * Content types as people know them: by file extension (`.jpg .png`), and by the kind of
 * file they are (an image, a PDF, a text), for the list of accepted types and the icons of
 * the chosen files. The server speaks in content types (`GET /api/processors` lists
 * `accepts: ['image/jpeg', …]`), since it judges a file by its bytes; this map is the one
 * place the page turns them into names a person recognises.
 */

/** Content type → its extensions, the usual one first. */
const EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'image/jpeg': ['.jpg', '.jpeg', '.jfif'],
  'image/png': ['.png'],
  'image/webp': ['.webp'],
  'image/avif': ['.avif'],
  'image/tiff': ['.tif', '.tiff'],
  'image/gif': ['.gif'],
  'image/heic': ['.heic'],
  'image/bmp': ['.bmp'],
  'image/svg+xml': ['.svg'],
  'application/pdf': ['.pdf'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['.docx'],
  'application/msword': ['.doc'],
  'application/vnd.oasis.opendocument.text': ['.odt'],
  'application/zip': ['.zip'],
  'application/json': ['.json'],
  'text/html': ['.html', '.htm'],
  'text/plain': ['.txt'],
  'text/markdown': ['.md', '.markdown'],
  'text/csv': ['.csv'],
};

/** A family pattern (`image/*`) as words. */
const FAMILIES: Readonly<Record<string, string>> = {
  '*/*': 'any file',
  'image/*': 'any image',
  'text/*': 'any text',
  'audio/*': 'any audio',
  'video/*': 'any video',
};

/**
 * What a processor accepts, as a person reads it: `['image/jpeg', 'image/png']` →
 * `['.jpg', '.jpeg', '.png']`. A family is said in words (`any image`); a content type this
 * map does not know is shown as it is rather than left out.
 */
export function acceptedNames(accepts: readonly string[]): string[] {
  const names = accepts.flatMap((type) => FAMILIES[type] ?? EXTENSIONS[type] ?? [type]);
  return [...new Set(names)];
}

/**
 * The `accept` attribute of a file picker: extensions, so that the system's picker greys out
 * other files (it knows extensions better than content types), plus the content types the
 * map does not know. Empty (anything) when a family of everything is accepted.
 */
export function pickerAccept(accepts: readonly string[]): string {
  if (accepts.includes('*/*')) return '';
  return accepts.flatMap((type) => EXTENSIONS[type] ?? [type]).join(',');
}

export type FileKind = 'image' | 'pdf' | 'document' | 'text' | 'archive' | 'other';

const DOCUMENTS = new Set([
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/msword',
  'application/vnd.oasis.opendocument.text',
]);

/** What kind of file a browser-given type (from its name; '' when unknown) names, for its icon. */
export function kindOf(type: string): FileKind {
  if (type.startsWith('image/')) return 'image';
  if (type === 'application/pdf') return 'pdf';
  if (DOCUMENTS.has(type)) return 'document';
  if (type.startsWith('text/') || type === 'application/json') return 'text';
  if (type === 'application/zip' || type === 'application/x-7z-compressed' || type === 'application/gzip')
    return 'archive';
  return 'other';
}

/**
 * Whether the browser draws this type in an `<img>` (so a thumbnail can be made of it):
 * TIFF and HEIC are images it cannot decode, and get the image icon instead.
 */
export function drawable(type: string): boolean {
  return ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/bmp'].includes(type);
}

/**
 * A short name for a file's type in its row: `JPG`, `PDF`, `DOCX`. A type the map does not
 * know goes by its name's extension (`HEIC`), else its content type, else `unknown`.
 */
export function typeLabel(type: string, name = ''): string {
  const ext = EXTENSIONS[type]?.[0] ?? /\.\w{1,8}$/.exec(name)?.[0];
  return ext ? ext.slice(1).toUpperCase() : type || 'unknown';
}
