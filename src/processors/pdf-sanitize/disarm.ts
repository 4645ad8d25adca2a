/**
 * Structural disarm of a parsed PDF: everything outside the allow-list (policy.ts) is taken
 * out wherever a reader would reach it (inspect.ts), the metadata too when asked, and every
 * object nothing refers to any more is dropped, so the new file holds none of it.
 */
import type { PDFDocument, PDFObject } from '@cantoo/pdf-lib';
import { PDFArray, PDFDict, PDFName, PDFRef, PDFStream } from '@cantoo/pdf-lib';
import { inspect } from './inspect.js';
import { zeroCounts, type Counts, type DisarmOptions } from './policy.js';

/** Disarms `doc` in place; returns what it took out, by kind. */
export function disarm(doc: PDFDocument, options: DisarmOptions): Counts {
  if (options.metadata === 'strip') {
    doc.catalog.delete(PDFName.of('Metadata'));
    doc.context.trailerInfo.Info = undefined;
  }
  const found = zeroCounts();
  for (const finding of inspect(doc, options, 'fix')) found[finding.kind]++;
  dropUnreachable(doc);
  return found;
}

/** Deletes every indirect object that neither the catalog nor the trailer reaches. */
export function dropUnreachable(doc: PDFDocument): void {
  const reached = new Set<PDFRef>(); // pooled by pdf-lib: one object per reference
  const { Root, Info } = doc.context.trailerInfo;
  const stack: PDFObject[] = [];
  if (Root) stack.push(Root);
  if (Info) stack.push(Info);
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (value instanceof PDFRef) {
      if (reached.has(value)) continue;
      reached.add(value);
      const target = doc.context.lookup(value);
      if (target) stack.push(target);
    } else if (value instanceof PDFDict) {
      for (const [, item] of value.entries()) stack.push(item);
    } else if (value instanceof PDFStream) {
      stack.push(value.dict);
    } else if (value instanceof PDFArray) {
      stack.push(...value.asArray());
    }
  }
  let largest = 0;
  for (const [ref] of doc.context.enumerateIndirectObjects()) {
    if (!reached.has(ref)) doc.context.delete(ref);
    else largest = Math.max(largest, ref.objectNumber);
  }
  // The trailer's /Size is written from this: left as it was, it would count the dropped
  // objects too, which strict readers (qpdf) report as damage.
  doc.context.largestObjectNumber = largest;
}
