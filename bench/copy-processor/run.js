/** Run module of the bench's `copy` processor: the input, unchanged, as the output. */
import { copyFile } from 'node:fs/promises';

/** @type {import('../../src/processors/processor.js').ProcessorRun} */
export const run = async (input, _settings, ctx) => {
  await copyFile(input.inputPath, input.outputPath);
  ctx.progress(100);
  return { outputType: input.contentType ?? 'application/octet-stream', details: {} };
};
