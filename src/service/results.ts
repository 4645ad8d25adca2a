/**
 * What a batch hands back besides its report: one output, and the ZIP of every
 * succeeded output in the uploaded folder layout with `report.json` at its root. The ZIP is
 * streamed: outputs are opened one at a time as the archive reaches them.
 */
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { AppError } from '../core/errors.js';
import type { BatchFile } from '../core/model.js';
import type { BlobStorage } from '../core/ports.js';
import type { Report } from '../core/report.js';
import { REPORT_ENTRY } from './classify.js';
import { outputKey } from './upload.js';

export interface OutputStream {
  stream: Readable;
  name: string;
  contentType: string;
  size: number | null;
}

/** The output of `file`, which must have succeeded. */
export async function openOutput(storage: BlobStorage, file: BatchFile): Promise<OutputStream> {
  if (file.status !== 'succeeded' || file.outputName === null) {
    throw new AppError(
      'NOT_FOUND',
      `File ${file.index} of batch ${file.batchId} has no output (it is ${file.status}).`,
    );
  }
  return {
    stream: await storage.get(outputKey(file.batchId, file.index)),
    name: file.outputName,
    contentType: file.outputType ?? 'application/octet-stream',
    size: file.outputBytes,
  };
}

/** A ZIP of the report's succeeded outputs; formats that are compressed already are stored, not deflated. */
export function zipResults(storage: BlobStorage, report: Report): Readable {
  const id = report.batch.id;
  const zip = new ZipFile();
  for (const file of report.files) {
    if (file.status !== 'succeeded' || file.outputName === null) continue;
    const index = file.index;
    zip.addReadStreamLazy(
      file.outputName,
      { compress: shouldDeflate(file.outputName), mtime: new Date(file.finishedAt ?? Date.now()) },
      (done) => {
        storage.get(outputKey(id, index)).then(
          (stream) => done(null, stream),
          (error: unknown) => done(error as Error, undefined as unknown as Readable),
        );
      },
    );
  }
  zip.addBuffer(Buffer.from(JSON.stringify(report, null, 2)), REPORT_ENTRY, { compress: true });
  zip.end();
  return zip.outputStream as unknown as Readable;
}

const STORED = /\.(jpe?g|png|webp|avif|gif|heic|zip|gz|mp4|mp3|pdf)$/i;

function shouldDeflate(name: string): boolean {
  return !STORED.test(name);
}
