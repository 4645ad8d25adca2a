/**
 * Content-type sniffing at upload time: what a file is, judged by its first bytes, never by
 * its name. file-type is pure JavaScript over the bytes, so the server may run it itself.
 */
import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes the caller should pass: what file-type needs to recognise every type. */
export const SNIFF_BYTES = 4100;

/** The MIME type recognised in `head` (the file's first 4100 bytes), or null when unknown. */
export async function sniffContentType(head: Uint8Array): Promise<string | null> {
  if (head.length === 0) return null;
  try {
    const type = await fileTypeFromBuffer(head);
    return type?.mime ?? null;
  } catch {
    // A damaged header can make a format's detector throw: that is "unknown", not an error.
    return null;
  }
}
