/**
 * Fits a set of files to a server's upload limits before anything is sent: a file over the
 * per-file limit is set aside (it could never be accepted), the rest is cut, in order, into
 * batches of at most `maxFiles` files and `maxBatchBytes` bytes.
 */
import type { UploadLimits } from './api-client.js';
import type { InputFile } from './collect-files.js';

export interface SkippedFile {
  file: InputFile;
  code: string;
  message: string;
}

export interface BatchPlan {
  batches: InputFile[][];
  skipped: SkippedFile[];
}

export function planBatches(files: readonly InputFile[], limits: UploadLimits): BatchPlan {
  const batches: InputFile[][] = [];
  const skipped: SkippedFile[] = [];
  let current: InputFile[] = [];
  let bytes = 0;
  const maxFileBytes = Math.min(limits.maxFileBytes, limits.maxBatchBytes);
  for (const file of files) {
    if (file.size > maxFileBytes) {
      skipped.push({
        file,
        code: 'FILE_TOO_LARGE',
        message: `It is larger than the server's limit of ${maxFileBytes} bytes per file.`,
      });
      continue;
    }
    if (current.length === limits.maxFiles || bytes + file.size > limits.maxBatchBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, skipped };
}
