/**
 * Downloads a batch's `results.zip` and unpacks it into a folder, keeping the uploaded
 * layout. The ZIP goes to a hidden file in that folder first (yauzl reads from a file so it
 * can use the central directory), removed afterwards whatever happens.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ApiClient } from './api-client.js';
import { unzipInto, type UnzipOptions } from './unzip.js';

/** Returns the relative paths written. */
export async function downloadResults(
  client: ApiClient,
  id: string,
  outDir: string,
  options: UnzipOptions & { signal?: AbortSignal } = {},
): Promise<string[]> {
  const response = await client.request(`/api/batches/${encodeURIComponent(id)}/results.zip`, {
    signal: options.signal,
  });
  await mkdir(outDir, { recursive: true });
  const zipPath = join(outDir, `.filemill-${id}.zip`);
  try {
    await pipeline(Readable.fromWeb(response.body as never), createWriteStream(zipPath), {
      signal: options.signal,
    });
    return await unzipInto(zipPath, outDir, options);
  } finally {
    await rm(zipPath, { force: true });
  }
}
