/**
 * A child process of the rasterize bench: re-draws the PDFs its parent sends it, one at a
 * time, with pdf-sanitize's own `rasterize` (pdf.js, the canvas, the encoder, the writer) and
 * nothing else — no server, no queue, no sandbox — and answers with the page count.
 */
import { readFile } from 'node:fs/promises';
import { rasterize } from '../src/processors/pdf-sanitize/rasterize.js';
import { loadPdfJs } from '../src/processors/pdfjs.js';

const options = {
  dpi: 150,
  format: 'jpeg' as const,
  jpegQuality: 85,
  grayscale: false,
  maxPagePixels: 8_700_000,
  maxPages: 1000,
  maxImagePixels: 100_000_000,
  maxOutputBytes: 2 ** 30,
};

process.on('message', (task: { inputPath: string; outputPath: string }) => {
  void (async () => {
    try {
      const bytes = await readFile(task.inputPath);
      const { pages } = await rasterize(bytes, 'bench.pdf', task.outputPath, options, () => {});
      process.send!({ pages });
    } catch (error) {
      process.send!({ error: String(error) });
    }
  })();
});
// Ready once pdf.js is loaded: the import is start-up, not the work measured.
await loadPdfJs();
process.send!({ ready: true });
