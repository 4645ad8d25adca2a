/**
 * pdf-sanitize's settings as the worker uses them: the validated settings object (schema in
 * descriptor.ts) with every default filled in.
 */
import {
  DEFAULT_MAX_PAGE_PIXELS,
  DEFAULT_PAGE_MEMORY_MB,
  DEFAULT_PAGE_TIMEOUT_SECONDS,
} from './descriptor.js';
import type { DisarmOptions } from './policy.js';

export interface Settings extends DisarmOptions {
  mode: 'structural' | 'rasterize';
  forms: 'keep' | 'remove';
  onFailure: 'fail' | 'rasterize';
  maxPages: number;
  dpi: number;
  format: 'jpeg' | 'lossless';
  jpegQuality: number;
  grayscale: boolean;
  maxPagePixels: number;
  pageMemoryMb: number;
  pageTimeoutSeconds: number;
  ocr: boolean;
  ocrLanguages: string[];
  /** Tried after the empty password on an encrypted file. */
  password?: string;
}

export function settingsOf(raw: Record<string, unknown>): Settings {
  const pick = <T>(key: string, fallback: T): T => (raw[key] as T | undefined) ?? fallback;
  return {
    mode: pick('mode', 'structural'),
    links: pick('links', 'web-only'),
    metadata: pick('metadata', 'keep'),
    forms: pick('forms', 'keep'),
    onFailure: pick('onFailure', 'fail'),
    maxPages: pick('maxPages', 1000),
    dpi: pick('dpi', 150),
    format: pick('format', 'jpeg'),
    jpegQuality: pick('jpegQuality', 85),
    grayscale: pick('grayscale', false),
    maxPagePixels: pick('maxPagePixels', DEFAULT_MAX_PAGE_PIXELS),
    pageMemoryMb: pick('pageMemoryMb', DEFAULT_PAGE_MEMORY_MB),
    pageTimeoutSeconds: pick('pageTimeoutSeconds', DEFAULT_PAGE_TIMEOUT_SECONDS),
    ocr: pick('ocr', false),
    ocrLanguages: pick('ocrLanguages', ['eng']),
    password: typeof raw.password === 'string' ? raw.password : undefined,
  };
}
