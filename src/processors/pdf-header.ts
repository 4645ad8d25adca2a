/** What a PDF's first bytes say, without parsing it. */

/** `1.7` from the header `%PDF-1.7` (within the first KiB, where readers look), or null. */
export function pdfVersion(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  return /%PDF-(\d\.\d)/.exec(head)?.[1] ?? null;
}
