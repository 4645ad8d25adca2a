/**
 * Pages to pixels with pdf.js (opened by ../pdfjs.ts) and @napi-rs/canvas (the one copy
 * pdf.js also loads; CI checks there is only one), each page within its own budget of
 * memory and time (draw-budget.ts): a page that goes over is drawn again at a lower DPI,
 * then once more with the copies that do not fit skipped, before it may fail.
 */
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';
import { DrawGuard, PageBudgetError, type BudgetReason, type DrawBudget } from './draw-budget.js';

type RenderParameters = Parameters<PDFPageProxy['render']>[0];

/** The lowest DPI a page over its budget is brought down to. */
export const MIN_REDUCED_DPI = 50;

export interface RenderOptions {
  dpi: number;
  /** Largest page canvas, width × height in pixels: past it the page is drawn at a lower DPI. */
  maxPixels: number;
  /** Bytes of pixels the page's drawing may take beyond its own canvas (patterns, groups, images). */
  memoryBytes: number;
  /** Wall time the page may take, in milliseconds, all its tries together. */
  timeoutMs: number;
}

/** How a page over its budget was drawn instead. */
export interface Reduction {
  /** What it went over first. */
  reason: BudgetReason;
  /** Copies were skipped: patterns, shadings or groups are drawn incomplete. */
  simplified: boolean;
}

export interface RenderedPage {
  canvas: Canvas;
  /** The page's size in PDF points (1/72 inch), as shown (its rotation applied). */
  widthPt: number;
  heightPt: number;
  /** The DPI actually used: lower than asked when the page would exceed `maxPixels` or its budget. */
  dpi: number;
  /** Drawn at a lower DPI to stay within `maxPixels`. */
  scaled: boolean;
  /** Drawn at a lower DPI (and maybe simplified) to stay within its memory or time budget. */
  reduced?: Reduction;
}

/**
 * One try: `page` drawn on a white canvas at `dpi` under `budget`.
 * @throws PageBudgetError when the page goes over the budget (and `degrade` does not save it).
 */
async function drawAt(doc: PDFDocumentProxy, page: PDFPageProxy, dpi: number, budget: DrawBudget) {
  const viewport = page.getViewport({ scale: dpi / 72 });
  const canvas = createCanvas(
    Math.max(1, Math.ceil(viewport.width)),
    Math.max(1, Math.ceil(viewport.height)),
  );
  const context = canvas.getContext('2d');
  const guard = new DrawGuard(budget);
  guard.watch(context);
  const restore = guard.install(doc);
  let stopped = false;
  try {
    const task = page.render({
      canvas: canvas as unknown as RenderParameters['canvas'],
      canvasContext: context as unknown as RenderParameters['canvasContext'],
      viewport,
      background: '#ffffff',
    });
    // pdf.js draws in slices of ~15 ms and asks before each next one: the time is checked there
    // too, not only when a canvas is touched.
    task.onContinue = (next: () => void) => {
      if (!guard.overTime) return next();
      stopped = true;
      task.cancel();
    };
    await task.promise.catch((error: unknown) => {
      canvas.width = canvas.height = 0; // frees what this try drew now, not at the next GC
      throw stopped ? new PageBudgetError('time') : error;
    });
    return { canvas, skipped: guard.skipped };
  } finally {
    restore();
  }
}

/**
 * Draws page `number` (1-based) at `dpi`, or at the DPI that keeps it within `maxPixels`.
 * A page that goes over its memory or time budget gets half its time again at half the DPI
 * (at least {@link MIN_REDUCED_DPI}), then a last quarter with the copies that do not fit
 * skipped.
 * @throws PageBudgetError `time` when even the last try runs out of time.
 */
export async function renderPage(
  doc: PDFDocumentProxy,
  number: number,
  opts: RenderOptions,
): Promise<RenderedPage> {
  const page = await doc.getPage(number);
  try {
    const points = page.getViewport({ scale: 1 });
    const widthPt = points.width;
    const heightPt = points.height;
    let dpi = opts.dpi;
    const pixelsAt = (d: number) => Math.ceil((widthPt * d) / 72) * Math.ceil((heightPt * d) / 72);
    const scaled = pixelsAt(dpi) > opts.maxPixels;
    if (scaled) dpi = opts.dpi * Math.sqrt(opts.maxPixels / pixelsAt(opts.dpi)) * 0.999;
    const start = Date.now();
    const budget = (share: number, degrade = false): DrawBudget => ({
      bytes: opts.memoryBytes,
      deadline: start + opts.timeoutMs * share,
      degrade,
    });
    let reason: BudgetReason;
    try {
      const { canvas } = await drawAt(doc, page, dpi, budget(0.5));
      return { canvas, widthPt, heightPt, dpi, scaled };
    } catch (error) {
      if (!(error instanceof PageBudgetError)) throw error;
      reason = error.reason;
    }
    const lower = Math.min(dpi, Math.max(MIN_REDUCED_DPI, dpi / 2));
    try {
      const { canvas } = await drawAt(doc, page, lower, budget(0.75));
      return { canvas, widthPt, heightPt, dpi: lower, scaled, reduced: { reason, simplified: false } };
    } catch (error) {
      if (!(error instanceof PageBudgetError)) throw error;
    }
    const { canvas, skipped } = await drawAt(doc, page, lower, budget(1, true));
    return { canvas, widthPt, heightPt, dpi: lower, scaled, reduced: { reason, simplified: skipped > 0 } };
  } finally {
    page.cleanup();
  }
}
