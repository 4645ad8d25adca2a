/**
 * One walk of a parsed PDF that judges every dictionary by the allow-list (policy.ts): the
 * disarm runs it to take out what is not allowed (`fix`), the check of the output runs it
 * again on the file read back (`report`), so what one keeps the other accepts.
 *
 * The walk starts from the trailer and follows every reference, as a reader would: what
 * nothing reaches is never looked at (the disarm drops it), and what something reaches is
 * seen wherever it sits — in an object stream, in a page-tree node a page inherits from, in
 * a dictionary written inline. It keeps its own stack, so a file nested 100,000 deep cannot
 * overflow it, and visits each object once.
 */
import { inflateSync } from 'node:zlib';
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFStream,
  PDFString,
  type PDFDocument,
  type PDFObject,
} from '@cantoo/pdf-lib';
import {
  ANNOTATION_SUBTYPES,
  CATALOG_KEYS,
  CLICK_ACTION_KEYS,
  DEFAULT_FONT_MATRIX,
  EXTERNAL_STREAM_KEYS,
  EXTERNAL_XOBJECT_KEYS,
  FOREIGN_ACTION_TYPES,
  NAME_TREE_KEYS,
  actionTypeKind,
  actionVerdict,
  annotationKind,
  catalogKind,
  isFontMatrix,
  nameTreeKind,
  xmlHasDtd,
  type DisarmOptions,
  type Kind,
  type Trigger,
} from './policy.js';

export interface Finding {
  kind: Kind;
  /** The entry and the object it sits in, e.g. `/OpenAction in the catalog`, `/F in 12 0 R`. */
  where: string;
}

/** `fix`: take out what is found, as it is found (nothing below it is visited); `report`: only say. */
export type InspectMode = 'fix' | 'report';

/** PDFName.of decodes its argument (a regular expression) on every call: names asked per dictionary are kept. */
const names = new Map<string, PDFName>();
function name(n: string): PDFName {
  let value = names.get(n);
  if (!value) names.set(n, (value = PDFName.of(n)));
  return value;
}
/** Entries every dictionary is checked for, whatever it is (so not again as catalog entries). */
const EVERYWHERE = new Set(['AA', 'AF', 'JS']);
/** Longest action chain (`/Next`) or nesting followed: longer is an attack on readers, not a document. */
const MAX_CHAIN = 32;
/** Largest XML packet read to look for a DTD; larger ones are taken out unread. */
const MAX_XML_BYTES = 16 * 1024 * 1024;

export function inspect(doc: PDFDocument, options: DisarmOptions, mode: InspectMode): Finding[] {
  const { context } = doc;
  const resolve = (value: PDFObject | undefined) => (value instanceof PDFRef ? context.lookup(value) : value);
  const dictOf = (value: PDFObject | undefined) => {
    const resolved = resolve(value);
    return resolved instanceof PDFStream ? resolved.dict : resolved instanceof PDFDict ? resolved : undefined;
  };
  const nameOf = (dict: PDFDict, key: string) => {
    const value = resolve(dict.get(name(key)));
    return value instanceof PDFName ? value.decodeText() : undefined;
  };
  const textOf = (dict: PDFDict, key: string) => {
    const value = resolve(dict.get(name(key)));
    return value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : '';
  };

  const catalog = doc.catalog;
  const nameTree = dictOf(catalog.get(name('Names')));
  const acroForm = dictOf(catalog.get(name('AcroForm')));
  const xmlVerdicts = new Map<PDFStream, boolean>();
  const findings: Finding[] = [];

  /** Why the action at `value` (and the ones chained after it) must go; null when it may stay. */
  function chainVerdict(value: PDFObject | undefined, trigger: Trigger, depth = 0): Kind | null {
    if (depth > MAX_CHAIN) return 'otherAction';
    const resolved = resolve(value);
    if (resolved instanceof PDFArray) {
      for (const item of resolved.asArray()) {
        const verdict = chainVerdict(item, trigger, depth + 1);
        if (verdict) return verdict;
      }
      return null;
    }
    const action = dictOf(resolved);
    // A destination (a page and a view), or a dictionary that is no action (a structure
    // element's attributes share the key `/A`): nothing a reader runs.
    if (!action || !(action.has(name('S')) || action.has(name('JS')) || nameOf(action, 'Type') === 'Action'))
      return null;
    const facts = {
      type: nameOf(action, 'S'),
      hasScript: action.has(name('JS')),
      uri: textOf(action, 'URI'),
      named: nameOf(action, 'N') ?? '',
    };
    return (
      actionVerdict(facts, trigger, options) ?? chainVerdict(action.get(name('Next')), trigger, depth + 1)
    );
  }

  /** An XML packet with a DTD, or one that cannot be read to tell (fails closed). */
  function badXml(stream: PDFStream): boolean {
    let verdict = xmlVerdicts.get(stream);
    if (verdict === undefined) {
      const text = xmlText(stream);
      verdict = text === null || xmlHasDtd(text);
      xmlVerdicts.set(stream, verdict);
    }
    return verdict;
  }

  function xmlText(stream: PDFStream): string | null {
    const raw = stream.getContents();
    const filter = resolve(stream.dict.get(name('Filter')));
    const filters = filter instanceof PDFArray ? filter.asArray().map(resolve) : filter ? [filter] : [];
    try {
      if (filters.length === 0 && raw.byteLength <= MAX_XML_BYTES) return Buffer.from(raw).toString('latin1');
      // Metadata is plain or deflated; anything else is not read (and not kept).
      if (filters.length !== 1 || filters[0] !== name('FlateDecode') || stream.dict.has(name('DecodeParms')))
        return null;
      return inflateSync(raw, { maxOutputLength: MAX_XML_BYTES }).toString('latin1');
    } catch {
      return null;
    }
  }

  function check(dict: PDFDict, owner: Owner, isStream: boolean): void {
    const flag = (kind: Kind, entry: string, fix: () => void) => {
      findings.push({ kind, where: `${entry} in ${String(owner)}` });
      if (mode === 'fix') fix();
    };
    const drop = (key: string) => () => dict.delete(name(key));

    if (dict === catalog) {
      for (const [key] of dict.entries()) {
        const k = key.decodeText();
        if (!CATALOG_KEYS.has(k) && !EVERYWHERE.has(k)) flag(catalogKind(k), `/${k}`, drop(k));
      }
      const verdict = dict.has(name('OpenAction'))
        ? chainVerdict(dict.get(name('OpenAction')), 'open')
        : null;
      if (verdict) {
        findings.push({ kind: 'openAction', where: `/OpenAction in ${String(owner)}` });
        flag(verdict, '/OpenAction', drop('OpenAction'));
      }
    }
    if (dict === nameTree) {
      for (const [key] of dict.entries()) {
        const k = key.decodeText();
        if (!NAME_TREE_KEYS.has(k)) flag(nameTreeKind(k), `/Names /${k}`, drop(k));
      }
    }
    if (dict === acroForm && dict.has(name('XFA'))) flag('xfa', '/XFA', drop('XFA'));

    if (dict.has(name('AA'))) flag('additionalActions', '/AA', drop('AA'));
    if (dict.has(name('JS')) && !dict.has(name('S'))) flag('javascript', '/JS', drop('JS'));
    if (dict.has(name('AF'))) flag('embeddedFile', '/AF', drop('AF'));
    if (dict.has(name('EF'))) flag('embeddedFile', '/EF', drop('EF'));
    for (const key of CLICK_ACTION_KEYS) {
      const verdict = dict.has(name(key)) ? chainVerdict(dict.get(name(key)), 'click') : null;
      if (verdict) flag(verdict, `/${key}`, drop(key));
    }
    const actionType = nameOf(dict, 'S');
    if (actionType && FOREIGN_ACTION_TYPES.has(actionType) && nameOf(dict, 'Type') !== 'StructElem') {
      // An action where no reader looks for one (the ones readers run went with their key).
      flag(actionTypeKind(actionType), `/S /${actionType}`, () => {
        for (const [key] of dict.entries()) dict.delete(key);
      });
    }

    const annots = resolve(dict.get(name('Annots')));
    if (annots instanceof PDFArray) {
      for (let i = annots.size() - 1; i >= 0; i--) {
        const annot = dictOf(annots.get(i));
        const subtype = annot && nameOf(annot, 'Subtype');
        if (subtype && !ANNOTATION_SUBTYPES.has(subtype))
          flag(annotationKind(subtype), `/Annots /Subtype /${subtype}`, () => annots.remove(i));
      }
    }

    if (dict.has(name('FontMatrix'))) {
      const matrix = resolve(dict.get(name('FontMatrix')));
      const values =
        matrix instanceof PDFArray
          ? matrix.asArray().map((item) => {
              const value = resolve(item);
              return value instanceof PDFNumber ? value.asNumber() : value;
            })
          : [];
      if (!isFontMatrix(values))
        flag('fontMatrix', '/FontMatrix', () =>
          dict.set(name('FontMatrix'), context.obj(DEFAULT_FONT_MATRIX)),
        );
    }

    if (isStream) {
      for (const key of EXTERNAL_STREAM_KEYS)
        if (dict.has(name(key))) flag('externalStream', `/${key}`, drop(key));
    }
    for (const key of EXTERNAL_XOBJECT_KEYS) {
      if (dict.has(name(key)) && (isStream || nameOf(dict, 'Type') === 'XObject'))
        flag('externalStream', `/${key}`, drop(key));
    }
  }

  /**
   * Pushes what `dict` refers to, to be walked; an XML stream with a DTD is taken out here
   * (where its entry can be deleted) instead.
   */
  function walkEntries(dict: PDFDict, owner: Owner): void {
    for (const [key, value] of dict.entries()) {
      if (value instanceof PDFRef) {
        const target = context.lookup(value);
        if (target instanceof PDFStream && isXml(target.dict) && badXml(target)) {
          findings.push({ kind: 'xmlDtd', where: `/${key.decodeText()} in ${String(owner)}` });
          if (mode === 'fix') {
            dict.delete(key);
            continue;
          }
        }
        stack.push({ value, owner });
      } else if (value instanceof PDFDict || value instanceof PDFArray) {
        stack.push({ value, owner });
      }
    }
  }

  const isXml = (dict: PDFDict) => nameOf(dict, 'Type') === 'Metadata' || nameOf(dict, 'Subtype') === 'XML';

  /** The indirect object a value sits in (its reference, or a name for the trailer's two), for messages. */
  type Owner = PDFRef | string;
  interface Pending {
    value: PDFObject;
    owner: Owner;
  }
  const { Root, Info } = context.trailerInfo;
  const stack: Pending[] = [];
  if (Root) stack.push({ value: Root, owner: 'the catalog' });
  if (Info) stack.push({ value: Info, owner: 'the document information' });
  // References are pooled by pdf-lib: one object per number, so they key the set themselves.
  const visited = new Set<PDFRef>();
  while (stack.length > 0) {
    const { value, owner: outer } = stack.pop()!;
    let object: PDFObject | undefined = value;
    let owner = outer;
    if (value instanceof PDFRef) {
      if (visited.has(value)) continue;
      visited.add(value);
      object = context.lookup(value);
      if (object !== catalog) owner = value;
    }
    const dict = object instanceof PDFStream ? object.dict : object instanceof PDFDict ? object : null;
    if (dict) {
      check(dict, owner, object instanceof PDFStream);
      // What the check took out is not there any more to be walked.
      walkEntries(dict, owner);
    } else if (object instanceof PDFArray) {
      for (const child of object.asArray()) if (walkable(child)) stack.push({ value: child, owner });
    }
  }
  return findings;
}

const walkable = (value: PDFObject) =>
  value instanceof PDFRef ||
  value instanceof PDFDict ||
  value instanceof PDFArray ||
  value instanceof PDFStream;
