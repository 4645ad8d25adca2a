/**
 * A page's own budget while pdf.js draws it: bytes of pixels and wall time. pdf.js draws
 * tiling patterns, shadings, soft masks and groups on canvases it makes on the fly, and
 * @napi-rs/canvas keeps a full copy of every canvas drawn onto another until the page is
 * read back, so a pattern whose cell is far larger than its step (pdf.js composes the cell
 * by thousands of copies) takes gigabytes and minutes where poppler needs megabytes. The
 * guard counts what goes through pdf.js's canvas factory and the contexts it hands out, and
 * stops the page (a {@link PageBudgetError}) or, in `degrade` mode, skips the copies that
 * would go over, so that the page is still drawn, with its patterns simplified.
 */
import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';

/** Why a page was stopped. */
export type BudgetReason = 'memory' | 'time';

/** Thrown from inside pdf.js's drawing when the page goes over its budget; rendering stops. */
export class PageBudgetError extends Error {
  constructor(readonly reason: BudgetReason) {
    super(`The page went over its ${reason} budget.`);
    this.name = 'PageBudgetError';
  }
}

export interface DrawBudget {
  /** Bytes of pixels (4 per pixel) the page's canvases and the copies between them may take. */
  bytes: number;
  /** `Date.now()` past which the page stops. */
  deadline: number;
  /** Past `bytes`, skip copies (drawn incomplete) instead of stopping. */
  degrade: boolean;
}

/** What a canvas factory's `create` returns (pdf.js's BaseCanvasFactory). */
interface CanvasEntry {
  canvas: { width: number; height: number } | null;
  context: Context | null;
}

type Context = Record<string, unknown> & { canvas?: unknown };
type Method = (...args: unknown[]) => unknown;

interface CanvasFactory {
  create(width: number, height: number): CanvasEntry;
}

/** Pixels' bytes of what `drawImage` or `createPattern` copies: canvases, images, bitmaps. */
function sourceBytes(source: unknown): number {
  const { width, height } = (source ?? {}) as { width?: unknown; height?: unknown };
  return typeof width === 'number' && typeof height === 'number' ? width * height * 4 : 0;
}

export class DrawGuard {
  /** Bytes counted so far. */
  spent = 0;
  /** Copies skipped in `degrade` mode. */
  skipped = 0;
  /** Every canvas made for pdf.js, to be emptied by {@link release}. */
  private readonly canvases: { width: number; height: number }[] = [];

  constructor(private readonly budget: DrawBudget) {}

  /** Counts `bytes`; false when they do not fit (degrade), a PageBudgetError otherwise. */
  charge(bytes: number): boolean {
    this.checkTime();
    if (this.spent + bytes <= this.budget.bytes) {
      this.spent += bytes;
      return true;
    }
    if (!this.budget.degrade) throw new PageBudgetError('memory');
    this.skipped++;
    return false;
  }

  /** Whether the deadline has come. */
  get overTime(): boolean {
    return Date.now() >= this.budget.deadline;
  }

  /** @throws PageBudgetError `time` once the deadline has come. */
  checkTime(): void {
    if (this.overTime) throw new PageBudgetError('time');
  }

  /**
   * Counts (and, over budget, stops or skips) the copies made through `context`: every
   * `drawImage` and `createPattern` snapshots its source.
   */
  watch(context: unknown): void {
    const ctx = context as Context;
    for (const name of ['drawImage', 'createPattern'] as const) {
      const original = ctx[name] as Method;
      ctx[name] = (...args: unknown[]) =>
        this.charge(sourceBytes(args[0])) ? original.apply(ctx, args) : null;
    }
  }

  /**
   * Makes every canvas pdf.js creates for `doc` count against the budget until the returned
   * function is called, which also empties them: what a stopped page drew (and the copies a
   * canvas keeps) is freed at once, not whenever the garbage collector runs. Over budget in degrade mode, a 1×1 canvas stands in (what is drawn on
   * it is lost).
   */
  install(doc: PDFDocumentProxy): () => void {
    const factory = doc.canvasFactory as unknown as CanvasFactory;
    const own = Object.prototype.hasOwnProperty.call(factory, 'create');
    const previous = factory.create;
    factory.create = (width, height) => {
      const fits = this.charge(width * height * 4);
      const entry = previous.call(factory, fits ? width : 1, fits ? height : 1);
      if (entry.context) this.watch(entry.context);
      if (entry.canvas) this.canvases.push(entry.canvas);
      return entry;
    };
    return () => {
      // A zero-size canvas drops its pixels and recorded copies (what pdf.js's own destroy does).
      for (const canvas of this.canvases.splice(0)) canvas.width = canvas.height = 0;
      if (own) factory.create = previous;
      else delete (factory as Partial<CanvasFactory>).create;
    };
  }
}
