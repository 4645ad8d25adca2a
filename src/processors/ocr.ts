/**
 * Optical character recognition, offline: tesseract.js's engine (Tesseract compiled to
 * WebAssembly) with language data from npm packages (ocr-languages.ts). Nothing is fetched
 * and nothing is written: the data is read from node_modules, the cache is off, and the
 * engine's own adapter refuses the network. Worker side only.
 *
 * The engine runs in this thread, not in tesseract.js's worker thread: the sandboxed
 * worker's permission model allows no worker threads, and a worker process handles one
 * file at a time anyway. The engine keeps its state per process, so there is one
 * {@link Recogniser} at a time; it is kept between files and re-initialised only when the
 * languages change.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { Canvas } from '@napi-rs/canvas';
import { ocrDataFolder } from './ocr-languages.js';
import { ProcessorError } from './processor.js';

/** A box in the image's pixels, from its top-left corner. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrWord {
  text: string;
  box: PixelBox;
  /** 0–100. */
  confidence: number;
}

/** A line of words as the engine found it; `box` spans the line (ascenders to descenders). */
export interface OcrLine {
  box: PixelBox;
  words: OcrWord[];
}

export interface RecogniseOptions {
  /** The image's resolution, which the engine uses to judge text sizes. */
  dpi?: number;
}

/** The part of tesseract.js's in-thread engine used here (its `worker-script` module). */
interface Engine {
  setAdapter(adapter: Record<string, unknown>): void;
  dispatchHandlers(
    packet: { workerId: string; jobId: string; action: string; payload: unknown },
    send: (message: { status: string; data: unknown }) => void,
  ): void;
}

interface EngineBbox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
interface EngineBlock {
  paragraphs: {
    lines: { bbox: EngineBbox; words: { text: string; bbox: EngineBbox; confidence: number }[] }[];
  }[];
}

let engine: Engine | undefined;
let jobs = 0;
/** The languages the engine is initialised with, as `eng+deu`. */
let loaded: string | undefined;
/** Engine calls run one after another: the engine has a single state. */
let queue: Promise<unknown> = Promise.resolve();

function loadEngine(): Engine {
  if (engine) return engine;
  const require = createRequire(import.meta.url);
  const loadedEngine = require('tesseract.js/src/worker-script/index.js') as Engine;
  loadedEngine.setAdapter({
    getCore: require('tesseract.js/src/worker-script/node/getCore.js'),
    gunzip: gunzipSync,
    fetch: () => Promise.reject(new Error('OCR fetches nothing: its data comes from npm packages.')),
    readCache: readFile,
    writeCache: () => Promise.reject(new Error('OCR writes no cache.')),
    deleteCache: () => Promise.resolve(),
    checkCache: () => Promise.resolve(false),
  });
  engine = loadedEngine;
  return engine;
}

/** One engine action, resolved with its result. */
function call<T>(action: string, payload: unknown): Promise<T> {
  const next = queue.then(
    () =>
      new Promise<T>((resolve, reject) => {
        loadEngine().dispatchHandlers(
          { workerId: 'filemill', jobId: `${action}-${++jobs}`, action, payload },
          ({ status, data }) => {
            if (status === 'resolve') resolve(data as T);
            else if (status === 'reject') reject(new Error(`OCR ${action} failed: ${String(data)}`));
          },
        );
      }),
  );
  queue = next.catch(() => {});
  return next;
}

/** Loads the engine and `languages` (each from its own package's folder) unless already loaded. */
async function prepare(languages: readonly string[]): Promise<void> {
  const key = languages.join('+');
  if (loaded === key) return;
  loaded = undefined;
  if (jobs === 0) await call('load', { options: { lstmOnly: true, logging: false } });
  for (const lang of languages) {
    const options = { langPath: ocrDataFolder(lang), cacheMethod: 'none', gzip: true, lstmOnly: true };
    await call('loadLanguage', { langs: [lang], options });
  }
  // OEM 1: the LSTM recogniser (the only one the `best_int` data holds).
  await call('initialize', { langs: key, oem: 1, config: {} });
  loaded = key;
}

const box = (b: EngineBbox): PixelBox => ({ x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 });

/**
 * The lines of text in `image` (PNG or JPEG bytes), each with its words and their boxes.
 * @throws Error when a language is not installed or the engine fails.
 */
export async function recognise(
  image: Uint8Array,
  languages: readonly string[],
  options: RecogniseOptions = {},
): Promise<OcrLine[]> {
  if (languages.length === 0) throw new Error('OCR needs at least one language.');
  await prepare(languages);
  const params = options.dpi ? { user_defined_dpi: String(Math.round(options.dpi)) } : {};
  const data = await call<{ blocks: EngineBlock[] | null }>('recognize', {
    image,
    options: params,
    output: { blocks: true, text: false, hocr: false, tsv: false },
  });
  const lines: OcrLine[] = [];
  for (const block of data.blocks ?? [])
    for (const paragraph of block.paragraphs)
      for (const line of paragraph.lines) {
        const words = line.words
          .filter((word) => word.text.trim() !== '')
          .map((word) => ({ text: word.text.trim(), box: box(word.bbox), confidence: word.confidence }));
        if (words.length > 0) lines.push({ box: box(line.bbox), words });
      }
  return lines;
}

/**
 * The words on page `number`, drawn on `canvas` at `dpi` (read as a lossless PNG, in colour).
 * @throws ProcessorError PROCESSOR_ERROR when the engine fails.
 */
export async function recognisePage(
  canvas: Canvas,
  dpi: number,
  number: number,
  languages: readonly string[],
): Promise<OcrLine[]> {
  try {
    return await recognise(await canvas.encode('png'), languages, { dpi });
  } catch (error) {
    throw new ProcessorError('PROCESSOR_ERROR', `The text of page ${number} could not be recognised.`, {
      cause: error,
    });
  }
}
