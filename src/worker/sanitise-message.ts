/**
 * Makes an error message from a processor safe to show to a client: the file's own paths
 * become its display name or "the output", any other absolute path or file URL becomes
 * `<path>`, stack lines go, and the length is capped. Applied to every message a child sends,
 * because a library may quote paths in its errors and clients must never see server paths.
 */

/** Longest message kept, in characters. */
const MAX_LENGTH = 500;

/**
 * An absolute path with at least two segments (`/a/b`), or a `file:` URL. Not preceded by a
 * word character, so `image/jpeg` and `and/or` are left alone.
 */
const PATH_PATTERN = /(?:file:\/\/)?(?<![\w.~-])\/[^\s'"`<>()[\]{},;]+\/[^\s'"`<>()[\]{},;]*/g;

export interface SanitiseContext {
  inputPath?: string;
  outputPath?: string;
  /** The file's display name, shown instead of its input path. */
  name?: string;
}

/** Returns `message` without server paths or stack lines, on one line, at most 500 characters. */
export function sanitiseMessage(message: string, ctx: SanitiseContext = {}): string {
  let text = message
    .split('\n')
    .filter((line) => !/^\s+at\s/.test(line))
    .join(' ');
  const known: Array<[string, string]> = [];
  if (ctx.outputPath) known.push([ctx.outputPath, 'the output']);
  if (ctx.inputPath) known.push([ctx.inputPath, ctx.name ? `"${ctx.name}"` : 'the input']);
  for (const [path, label] of known) text = text.split(path).join(label);
  text = text.replace(PATH_PATTERN, '<path>');
  text = text.replace(/\s+/g, ' ').trim();
  if (text.length > MAX_LENGTH) text = `${text.slice(0, MAX_LENGTH - 1)}…`;
  return text;
}
