/**
 * Counting the pages of a parsed PDF without trusting it. pdf-lib walks the page tree
 * recursively and believes what it finds: a tree whose nodes list the same child ten times
 * over nine levels (a few hundred bytes) is a billion pages, and a tree that loops never
 * ends. Here the leaves are counted with an explicit stack, stopping as soon as there are
 * more than the limit, or the walk has visited far more nodes than a real tree would have.
 */
import { PDFArray, PDFDict, PDFName, PDFRef, type PDFDocument, type PDFObject } from '@cantoo/pdf-lib';

export type PageCount = { pages: number } | { over: true } | { broken: true };

export function countPages(doc: PDFDocument, limit: number): PageCount {
  const resolve = (value: PDFObject | undefined) =>
    value instanceof PDFRef ? doc.context.lookup(value) : value;
  const kids = PDFName.of('Kids');
  const stack: (PDFObject | undefined)[] = [doc.catalog.get(PDFName.of('Pages'))];
  // A real tree has fewer inner nodes than leaves; loops and empty branches spin here.
  const maxVisits = limit * 4 + 10_000;
  let pages = 0;
  for (let visits = 0; stack.length > 0; visits++) {
    if (visits > maxVisits) return { broken: true };
    const node = resolve(stack.pop());
    if (!(node instanceof PDFDict)) continue;
    const children = resolve(node.get(kids));
    if (children instanceof PDFArray) {
      for (let i = children.size() - 1; i >= 0; i--) stack.push(children.get(i));
    } else if (++pages > limit) {
      return { over: true };
    }
  }
  return { pages };
}
