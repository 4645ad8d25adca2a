/**
 * What a batch hands back: the report (JSON and CSV), one output, and the ZIP of every
 * succeeded output in the uploaded folder layout with `report.json` at its root. The ZIP is
 * streamed: outputs are opened one at a time as the archive reaches them.
 */
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { AppError } from '../core/errors.js';
import { buildReport, reportCsv, type Report } from '../core/report.js';
import type { BatchService } from './batch-service.js';
import { REPORT_ENTRY } from './classify.js';
import { outputKey } from './upload.js';

export async function batchReport(service: BatchService, id: string): Promise<Report> {
  const batch = await service.getReportedBatch(id);
  const files = await service.allFiles(id);
  return buildReport(batch, files, service.now());
}

export async function batchReportCsv(service: BatchService, id: string): Promise<string> {
  return reportCsv((await batchReport(service, id)).files);
}

export interface OutputStream {
  stream: Readable;
  name: string;
  contentType: string;
  size: number | null;
}

export async function fileOutput(service: BatchService, id: string, index: number): Promise<OutputStream> {
  const file = await service.getFile(id, index);
  if (file.status !== 'succeeded' || file.outputName === null) {
    throw new AppError('NOT_FOUND', `File ${index} of batch ${id} has no output (it is ${file.status}).`);
  }
  return {
    stream: await service.storage.get(outputKey(id, index)),
    name: file.outputName,
    contentType: file.outputType ?? 'application/octet-stream',
    size: file.outputBytes,
  };
}

/** A ZIP of the succeeded outputs; formats that are compressed already are stored, not deflated. */
export async function resultsZip(service: BatchService, id: string): Promise<Readable> {
  const report = await batchReport(service, id);
  const zip = new ZipFile();
  for (const file of report.files) {
    if (file.status !== 'succeeded' || file.outputName === null) continue;
    const index = file.index;
    zip.addReadStreamLazy(
      file.outputName,
      { compress: shouldDeflate(file.outputName), mtime: new Date(file.finishedAt ?? Date.now()) },
      (done) => {
        service.storage.get(outputKey(id, index)).then(
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
