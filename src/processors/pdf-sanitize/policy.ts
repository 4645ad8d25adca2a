/**
 * What a disarmed PDF may keep: an allow-list, not a list of known dangers. Anything a
 * reader acts on without being asked (an open action other than showing a page), anything
 * that reaches outside the file (external streams, remote or thread targets, a base URI),
 * anything that runs (scripts, launch, rich media) and every catalog or name-tree entry not
 * listed here is taken out. What stays: the pages and what they draw (content, fonts with
 * numeric matrices, images with their own data), outlines and links to places inside the
 * document, page labels, structure and accessibility data, optional-content groups, the
 * form (its fields' values and appearances; never its scripts or XFA), metadata without a
 * DTD, and — only where a click triggers them, and by the `links` setting — web links.
 *
 * The disarm (disarm.ts) and the check of the output (verify.ts) both judge by these rules
 * (inspect.ts): what one keeps, the other accepts.
 */

/** Every kind of thing taken out, as counted in `details.found`. */
export const KINDS = [
  'javascript',
  'openAction',
  'additionalActions',
  'launch',
  'submitForm',
  'importData',
  'remoteGoTo',
  'thread',
  'namedAction',
  'otherAction',
  'embeddedFile',
  'richMedia',
  'otherAnnotation',
  'xfa',
  'link',
  'uriBase',
  'externalStream',
  'fontMatrix',
  'xmlDtd',
  'otherEntry',
] as const;

export type Kind = (typeof KINDS)[number];
export type Counts = Record<Kind, number>;

export function zeroCounts(): Counts {
  return Object.fromEntries(KINDS.map((k) => [k, 0])) as Counts;
}

export interface DisarmOptions {
  /** `web-only`: keep http, https and mailto links; `remove`: every link action goes. */
  links: 'keep' | 'web-only' | 'remove';
  metadata: 'keep' | 'strip';
}

/** The document catalog's entries that may stay (others are dropped, counted by `catalogKind`). */
export const CATALOG_KEYS = new Set([
  'Type',
  'Version',
  'Extensions',
  'Pages',
  'PageLabels',
  'Names',
  'Dests',
  'ViewerPreferences',
  'PageLayout',
  'PageMode',
  'Outlines',
  'Threads',
  'OpenAction',
  'AcroForm',
  'Metadata',
  'StructTreeRoot',
  'MarkInfo',
  'Lang',
  'OutputIntents',
  'OCProperties',
]);

/** How a dropped catalog entry is counted. */
export function catalogKind(key: string): Kind {
  if (key === 'URI') return 'uriBase';
  if (key === 'Collection') return 'embeddedFile'; // a portfolio: a wrapper around attached files
  return 'otherEntry';
}

/** The name tree entries that may stay: named destinations only. */
export const NAME_TREE_KEYS = new Set(['Dests']);

export function nameTreeKind(key: string): Kind {
  if (key === 'JavaScript') return 'javascript';
  if (key === 'EmbeddedFiles') return 'embeddedFile';
  return 'otherEntry';
}

/** Annotation subtypes that may stay: markup, links, form widgets, print marks. */
export const ANNOTATION_SUBTYPES = new Set([
  'Text',
  'Link',
  'FreeText',
  'Line',
  'Square',
  'Circle',
  'Polygon',
  'PolyLine',
  'Highlight',
  'Underline',
  'Squiggly',
  'StrikeOut',
  'Caret',
  'Stamp',
  'Ink',
  'Popup',
  'Widget',
  'PrinterMark',
  'TrapNet',
  'Watermark',
  'Redact',
]);

/** How a dropped annotation is counted. */
export function annotationKind(subtype: string): Kind {
  if (subtype === 'FileAttachment') return 'embeddedFile';
  if (['RichMedia', 'Screen', 'Movie', 'Sound', '3D'].includes(subtype)) return 'richMedia';
  return 'otherAnnotation';
}

/** Entries of a dictionary that hold an action triggered by a click (or a page turn in a presentation). */
export const CLICK_ACTION_KEYS = ['A', 'PA', 'NA'] as const;

/** Named actions that only move between the document's own pages. */
const NAVIGATION = new Set(['NextPage', 'PrevPage', 'FirstPage', 'LastPage']);

/** How each action type other than GoTo, URI and Named is counted when taken out. */
const ACTION_KINDS: Readonly<Record<string, Kind>> = {
  JavaScript: 'javascript',
  Launch: 'launch',
  SubmitForm: 'submitForm',
  ImportData: 'importData',
  GoToR: 'remoteGoTo',
  GoToE: 'remoteGoTo',
  GoToDp: 'remoteGoTo',
  Thread: 'thread',
  RichMediaExecute: 'richMedia',
  Rendition: 'richMedia',
  Movie: 'richMedia',
  Sound: 'richMedia',
};

/**
 * Action types that have no business anywhere in a disarmed file: a dictionary whose `/S` is
 * one of these is emptied wherever it sits, even where no reader would look for an action.
 */
export const FOREIGN_ACTION_TYPES = new Set([
  ...Object.keys(ACTION_KINDS),
  'Hide',
  'SetOCGState',
  'ResetForm',
  'Trans',
  'GoTo3DView',
]);

export function actionTypeKind(type: string): Kind {
  return ACTION_KINDS[type] ?? 'otherAction';
}

/** Where an action is triggered: on opening the document (no click), or by a click. */
export type Trigger = 'open' | 'click';

export interface ActionFacts {
  /** The `/S` name, if any. */
  type: string | undefined;
  hasScript: boolean;
  /** The `/URI` of a URI action, the `/N` of a named action. */
  uri: string;
  named: string;
}

/** Why an action must go, or null when it may stay. */
export function actionVerdict(action: ActionFacts, trigger: Trigger, options: DisarmOptions): Kind | null {
  if (action.hasScript) return 'javascript';
  switch (action.type) {
    case 'GoTo':
      return null;
    case 'URI':
      if (trigger === 'open' || options.links === 'remove') return 'link';
      if (options.links === 'keep') return null;
      return /^(https?:|mailto:)/i.test(action.uri.trim()) ? null : 'link';
    case 'Named':
      return trigger === 'click' && NAVIGATION.has(action.named) ? null : 'namedAction';
    case undefined:
      return 'otherAction';
    default:
      return actionTypeKind(action.type);
  }
}

/** A stream's entries that make a reader fetch its data from elsewhere (a path, a URL, a UNC share). */
export const EXTERNAL_STREAM_KEYS = ['F', 'FFilter', 'FDecodeParms'] as const;

/** The entries, on a form or image XObject, that point at another file: a reference XObject's target, OPI proxies. */
export const EXTERNAL_XOBJECT_KEYS = ['Ref', 'OPI'] as const;

/** A font matrix readers can take: six finite numbers. */
export function isFontMatrix(values: readonly unknown[]): boolean {
  return values.length === 6 && values.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** The default font matrix (1000 units per em), put where a font's own is not numbers. */
export const DEFAULT_FONT_MATRIX = [0.001, 0, 0, 0.001, 0, 0];

/** XML that declares a DTD or entities (XXE in whatever parses it later). */
export function xmlHasDtd(text: string): boolean {
  return /<!\s*(DOCTYPE|ENTITY)/i.test(text.replace(/\0/g, ''));
}
