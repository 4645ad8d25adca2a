/**
 * Structural disarm of a parsed PDF: walks every object of the document (object streams
 * included: the parser has already unpacked them), takes out what can act — scripts,
 * actions that launch, submit, import or jump to other files, embedded files, rich media,
 * XFA — and keeps pages, their content, fonts, text and (by setting) plain web links. Then
 * drops every object nothing refers to any more, so the new file holds none of it.
 *
 * The kinds counted follow pdfid's list, the keys a security person looks for.
 */
import {
  PDFArray,
  PDFDict,
  PDFName,
  PDFRef,
  PDFStream,
  PDFString,
  PDFHexString,
  type PDFDocument,
  type PDFObject,
} from '@cantoo/pdf-lib';
import { forEachDict } from './walk.js';

export type Kind =
  | 'javascript'
  | 'openAction'
  | 'additionalActions'
  | 'launch'
  | 'submitForm'
  | 'importData'
  | 'remoteGoTo'
  | 'embeddedFile'
  | 'richMedia'
  | 'xfa'
  | 'link';

export type Counts = Record<Kind, number>;

export interface DisarmOptions {
  /** `web-only`: keep http, https and mailto links; `remove`: every link action goes. */
  links: 'keep' | 'web-only' | 'remove';
  metadata: 'keep' | 'strip';
}

export const KINDS: readonly Kind[] = [
  'javascript',
  'openAction',
  'additionalActions',
  'launch',
  'submitForm',
  'importData',
  'remoteGoTo',
  'embeddedFile',
  'richMedia',
  'xfa',
  'link',
];

export function zeroCounts(): Counts {
  return Object.fromEntries(KINDS.map((k) => [k, 0])) as Counts;
}

const name = (n: string) => PDFName.of(n);

/** Action types (`/S`) that run code, launch, send data out or open other files. */
const RISKY_ACTIONS: Record<string, Kind> = {
  JavaScript: 'javascript',
  Launch: 'launch',
  SubmitForm: 'submitForm',
  ImportData: 'importData',
  GoToR: 'remoteGoTo',
  GoToE: 'remoteGoTo',
  RichMediaExecute: 'richMedia',
  Rendition: 'richMedia',
  Movie: 'richMedia',
  Sound: 'richMedia',
};

/** Annotation subtypes that carry files or media. */
export const RISKY_ANNOTATIONS: Readonly<Record<string, Kind>> = {
  FileAttachment: 'embeddedFile',
  RichMedia: 'richMedia',
  Screen: 'richMedia',
  Movie: 'richMedia',
  Sound: 'richMedia',
};

function dictOf(doc: PDFDocument, value: PDFObject | undefined): PDFDict | undefined {
  const resolved = value instanceof PDFRef ? doc.context.lookup(value) : value;
  if (resolved instanceof PDFDict) return resolved;
  if (resolved instanceof PDFStream) return resolved.dict;
  return undefined;
}

function nameOf(doc: PDFDocument, dict: PDFDict, key: string): string | undefined {
  const value = dict.get(name(key));
  const resolved = value instanceof PDFRef ? doc.context.lookup(value) : value;
  return resolved instanceof PDFName ? resolved.decodeText() : undefined;
}

function textOf(doc: PDFDocument, value: PDFObject | undefined): string {
  const resolved = value instanceof PDFRef ? doc.context.lookup(value) : value;
  return resolved instanceof PDFString || resolved instanceof PDFHexString ? resolved.decodeText() : '';
}

/** What an action dictionary does, if it is one we take out. */
function riskOfAction(doc: PDFDocument, action: PDFDict, options: DisarmOptions): Kind | null {
  const type = nameOf(doc, action, 'S');
  if (type && RISKY_ACTIONS[type]) return RISKY_ACTIONS[type];
  if (action.has(name('JS'))) return 'javascript';
  if (type === 'URI') {
    if (options.links === 'keep') return null;
    if (options.links === 'remove') return 'link';
    return /^(https?:|mailto:)/i.test(textOf(doc, action.get(name('URI'))).trim()) ? null : 'link';
  }
  return null;
}

/** An action and the actions chained after it (`/Next`): the first risky one, if any. */
function riskOfChain(
  doc: PDFDocument,
  value: PDFObject | undefined,
  options: DisarmOptions,
  depth = 0,
): Kind | null {
  if (depth > 32) return 'javascript'; // a chain this long is an attack on the parser, not a document
  const resolved = value instanceof PDFRef ? doc.context.lookup(value) : value;
  if (resolved instanceof PDFArray) {
    for (const item of resolved.asArray()) {
      const risk = riskOfChain(doc, item, options, depth + 1);
      if (risk) return risk;
    }
    return null;
  }
  const action = dictOf(doc, value);
  if (!action) return null;
  return riskOfAction(doc, action, options) ?? riskOfChain(doc, action.get(name('Next')), options, depth + 1);
}

/**
 * Disarms `doc` in place; returns what it found. Everything found is removed (the counts
 * are the same), except what the options keep.
 */
export function disarm(doc: PDFDocument, options: DisarmOptions): Counts {
  const found = zeroCounts();
  const catalog = doc.catalog;

  // The document-level entry points.
  const open = catalog.get(name('OpenAction'));
  const openRisk = open ? riskOfChain(doc, open, options) : null;
  if (openRisk) {
    found.openAction++;
    found[openRisk]++;
    catalog.delete(name('OpenAction'));
  }
  const names = dictOf(doc, catalog.get(name('Names')));
  if (names?.has(name('JavaScript'))) {
    found.javascript++;
    names.delete(name('JavaScript'));
  }
  if (names?.has(name('EmbeddedFiles'))) {
    found.embeddedFile++;
    names.delete(name('EmbeddedFiles'));
  }
  const form = dictOf(doc, catalog.get(name('AcroForm')));
  if (form?.has(name('XFA'))) {
    found.xfa++;
    form.delete(name('XFA'));
  }
  if (catalog.has(name('NeedsRendering'))) catalog.delete(name('NeedsRendering'));
  if (options.metadata === 'strip') {
    catalog.delete(name('Metadata'));
    doc.context.trailerInfo.Info = undefined;
  }

  // Every dictionary of the document, wherever it sits: pages, annotations, form fields,
  // outlines, objects that only an object stream held, dictionaries written inline.
  forEachDict(doc, (dict) => {
    if (dict.has(name('AA'))) {
      found.additionalActions++;
      dict.delete(name('AA'));
    }
    if (dict.has(name('JS')) && !dict.has(name('S'))) {
      found.javascript++;
      dict.delete(name('JS'));
    }
    const action = dict.get(name('A'));
    const actionRisk = action ? riskOfChain(doc, action, options) : null;
    if (actionRisk) {
      found[actionRisk]++;
      dict.delete(name('A'));
    }
    const annots = dict.get(name('Annots'));
    const list = annots instanceof PDFRef ? doc.context.lookup(annots) : annots;
    if (list instanceof PDFArray) {
      for (let i = list.size() - 1; i >= 0; i--) {
        const annot = dictOf(doc, list.get(i));
        const subtype = annot ? nameOf(doc, annot, 'Subtype') : undefined;
        if (subtype && RISKY_ANNOTATIONS[subtype]) {
          found[RISKY_ANNOTATIONS[subtype]]++;
          list.remove(i);
        }
      }
    }
    const type = nameOf(doc, dict, 'Type');
    if (type === 'EmbeddedFile' || type === 'Filespec') {
      // Unreachable once their references are gone; counted where they were referenced.
      dict.delete(name('EF'));
    }
  });
  dropUnreachable(doc);
  return found;
}

/** Deletes every indirect object that neither the catalog nor the trailer reaches. */
export function dropUnreachable(doc: PDFDocument): void {
  const reached = new Set<string>();
  const { Root, Info } = doc.context.trailerInfo;
  const stack: PDFObject[] = [];
  if (Root) stack.push(Root);
  if (Info) stack.push(Info);
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (value instanceof PDFRef) {
      const key = value.toString();
      if (reached.has(key)) continue;
      reached.add(key);
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
    if (!reached.has(ref.toString())) doc.context.delete(ref);
    else largest = Math.max(largest, ref.objectNumber);
  }
  // The trailer's /Size is written from this: left as it was, it would count the dropped
  // objects too, which strict readers (qpdf) report as damage.
  doc.context.largestObjectNumber = largest;
}
