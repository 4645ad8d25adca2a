/**
 * pdf-lib's options for a worker process. By default pdf-lib hands the event loop back with a
 * `setTimeout(0)` — at least a millisecond each — every 100 objects it parses and every 50 it
 * writes, to keep a browser page responsive. A worker runs one file and has nothing else to
 * do (its parent watches time and memory from outside and kills it), so those pauses were
 * only idle time: a quarter of the wall time of disarming the corpus's PDFs.
 */
import { ParseSpeeds, type LoadOptions, type SaveOptions } from '@cantoo/pdf-lib';

/** Parse in one go; the document's metadata (producer, dates) is left as it is. */
export const LOAD: LoadOptions = { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest };

/** Write in one go. */
export const SAVE: SaveOptions = { objectsPerTick: Infinity };
