/**
 * What a person dropped or picked, made into the files of one batch: every file with the
 * folder path it came from, hidden files left out, then filtered by what the processor
 * accepts and by the server's limits. Nothing is dropped silently: every file left out is
 * listed with its reason.
 */
import { formatBytes } from '../../src/core/format.js';
import type { Limits } from './api.js';

export interface Candidate {
  file: File;
  /** The relative path shown and uploaded, e.g. `trip/day1/a.jpg`. */
  path: string;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface Selection {
  files: Candidate[];
  skipped: Skipped[];
}

const isHidden = (path: string) => path.split('/').some((part) => part.startsWith('.'));

/** Whether a browser-given type (from the name; '' when unknown) matches `accepts`. */
export function accepted(type: string, accepts: readonly string[]): boolean {
  if (accepts.includes('*/*')) return true;
  // An unknown type is the server's to judge by content (it sniffs the bytes).
  if (type === '') return true;
  return accepts.some((pattern) =>
    pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type,
  );
}

/**
 * Adds `incoming` to `current` within `limits`, in order: the first files that fit are
 * kept, the rest are listed as skipped with their reason.
 */
export function select(
  current: readonly Candidate[],
  incoming: readonly Candidate[],
  accepts: readonly string[],
  limits: Limits,
): Selection {
  const files = [...current];
  const skipped: Skipped[] = [];
  const paths = new Set(files.map((c) => c.path));
  let bytes = files.reduce((sum, c) => sum + c.file.size, 0);
  for (const candidate of incoming) {
    const { path, file } = candidate;
    const skip = (reason: string) => skipped.push({ path, reason });
    if (isHidden(path)) skip('hidden file');
    else if (paths.has(path)) skip('already in the list');
    else if (!accepted(file.type, accepts)) skip(`not a type this processor takes (${file.type})`);
    else if (file.size > limits.maxFileBytes)
      skip(`larger than the limit of ${formatBytes(limits.maxFileBytes)} per file`);
    else if (files.length >= limits.maxFiles) skip(`over the limit of ${limits.maxFiles} files per batch`);
    else if (bytes + file.size > limits.maxBatchBytes)
      skip(`over the limit of ${formatBytes(limits.maxBatchBytes)} per batch`);
    else {
      files.push(candidate);
      paths.add(path);
      bytes += file.size;
    }
  }
  return { files, skipped };
}

/** Files from an `<input type=file>` (with `webkitdirectory`, each keeps its folder path). */
export function fromFileList(list: ArrayLike<File>): Candidate[] {
  return Array.from(list, (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Reads every entry of a directory (the browser hands them out in chunks). */
async function readAll(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (chunk.length === 0) return entries;
    entries.push(...chunk);
  }
}

async function walk(entry: FileSystemEntry, out: Candidate[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, path });
  } else if (entry.isDirectory) {
    for (const child of await readAll(entry as FileSystemDirectoryEntry)) await walk(child, out);
  }
}

/** Files and folders dropped on the page, folders walked recursively. */
export async function fromDataTransfer(items: DataTransferItemList): Promise<Candidate[]> {
  // The entries must be taken synchronously, before the drop event returns.
  const entries = Array.from(items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  const files = Array.from(items)
    .map((item) => (item.kind === 'file' ? item.getAsFile() : null))
    .filter((file): file is File => file !== null);
  const out: Candidate[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry) await walk(entry, out);
    else if (files[i]) out.push({ file: files[i], path: files[i].name });
  }
  return out;
}
