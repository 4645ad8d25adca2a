/**
 * Unpacks a results ZIP into a folder, keeping its layout. Entry names come from a server,
 * so each is checked to stay inside the folder (no `..`, no absolute path: "zip slip").
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { takeUniqueName } from '../core/filenames.js';
import { placeInside } from './paths.js';

export interface UnzipOptions {
  /** The name to write an entry under (default: its own). */
  rename?: (entryName: string) => string;
  /**
   * Names already written by this run (lower-cased), shared across several ZIPs unpacked
   * into one folder: a name taken again becomes `name (2)` instead of overwriting.
   */
  taken?: Set<string>;
}

/** Returns the relative paths written. */
export async function unzipInto(
  zipPath: string,
  outDir: string,
  options: UnzipOptions = {},
): Promise<string[]> {
  const taken = options.taken ?? new Set<string>();
  const root = resolve(outDir);
  // Loaded here, not at import: the commands that never unzip start without it.
  const { open } = (await import('yauzl')).default;
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
    open(zipPath, { lazyEntries: true, strictFileNames: true }, (error, z) => (error ? fail(error) : ok(z))),
  );
  const written: string[] = [];
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((ok, fail) => {
        zip.once('entry', ok);
        zip.once('end', () => ok(null));
        zip.once('error', fail);
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (!entry) return written;
      if (entry.fileName.endsWith('/')) continue;
      const name = takeUniqueName(options.rename?.(entry.fileName) ?? entry.fileName, taken);
      const target = placeInside(root, name);
      await mkdir(dirname(target), { recursive: true });
      const stream = await new Promise<NodeJS.ReadableStream>((ok, fail) =>
        zip.openReadStream(entry, (error, s) => (error ? fail(error) : ok(s))),
      );
      await pipeline(stream, createWriteStream(target));
      written.push(relative(root, target));
    }
  } finally {
    zip.close();
  }
}
