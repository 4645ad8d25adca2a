/**
 * Pages to pixels with pdf.js (opened by ../pdfjs.ts) and @napi-rs/canvas (the one copy
 * pdf.js also loads; CI checks there is only one).
 */
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';

type RenderParameters = Parameters<PDFPageProxy['render']>[0];

export interface RenderedPage {
  canvas: Canvas;
  /** The page's size in PDF points (1/72 inch), as shown (its rotation applied). */
  widthPt: number;
  heightPt: number;
  /** The DPI actually used: lower than asked when the page would exceed `maxPixels`. */
  dpi: number;
  scaled: boolean;
}

/**
 * Draws page `number` (1-based) on a white canvas at `dpi`, or at the DPI that keeps it
 * within `maxPixels` (width × height) when it would be larger.
 */
export async function renderPage(
  doc: PDFDocumentProxy,
  number: number,
  opts: { dpi: number; maxPixels: number },
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
    const viewport = page.getViewport({ scale: dpi / 72 });
    const width = Math.max(1, Math.ceil(viewport.width));
    const height = Math.max(1, Math.ceil(viewport.height));
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    await page.render({
      canvas: canvas as unknown as RenderParameters['canvas'],
      canvasContext: context as unknown as RenderParameters['canvasContext'],
      viewport,
      background: '#ffffff',
    }).promise;
    return { canvas, widthPt, heightPt, dpi, scaled };
  } finally {
    page.cleanup();
  }
}
