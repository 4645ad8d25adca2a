/**
 * Every dictionary of a parsed PDF, wherever it sits: each indirect object (those that an
 * object stream held included) and every dictionary nested directly inside one, so an
 * action written inline in an annotation or a field is seen as well as a referenced one.
 */
import { PDFArray, PDFDict, PDFStream, type PDFDocument, type PDFObject, type PDFRef } from '@cantoo/pdf-lib';

export function forEachDict(doc: PDFDocument, visit: (dict: PDFDict, owner: PDFRef) => void): void {
  for (const [ref, object] of doc.context.enumerateIndirectObjects()) {
    const stack: PDFObject[] = [object];
    while (stack.length > 0) {
      const value = stack.pop()!;
      const dict = value instanceof PDFStream ? value.dict : value instanceof PDFDict ? value : null;
      if (dict) {
        visit(dict, ref);
        // References are visited as their own indirect objects; only direct children here.
        for (const [, child] of dict.entries())
          if (child instanceof PDFDict || child instanceof PDFArray) stack.push(child);
      } else if (value instanceof PDFArray) {
        for (const child of value.asArray())
          if (child instanceof PDFDict || child instanceof PDFArray) stack.push(child);
      }
    }
  }
}
