/**
 * What `filemill submit` uploads: the files named on the command line and every file below
 * the folders named, recursively, hidden ones skipped, filtered by `--include`/`--exclude`
 * globs (tinyglobby). Each file gets the relative name it is uploaded under, which becomes
 * the layout of the results.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CliError } from './api-client.js';
import { isWithin } from './paths.js';

export interface InputFile {
  /** Where it is on this machine. */
  path: string;
  /** The relative name it is uploaded under (`/`-separated). */
  name: string;
  size: number;
}

export interface CollectOptions {
  include?: readonly string[];
  exclude?: readonly string[];
  /** Folders never walked into, e.g. the output folder when it lies inside an input. */
  skip?: readonly string[];
}

/**
 * A pattern without `/` matches a name at any depth, as in `.gitignore`: `*.jpg` finds
 * `day1/a.jpg` too. Matching ignores case, since `IMG_0001.JPG` is what phones write.
 */
function anyDepth(pattern: string): string {
  return pattern.includes('/') ? pattern.replace(/^\.?\//, '') : `**/${pattern}`;
}

/**
 * Names are relative to the folder given (`photos/day1/a.jpg` → `day1/a.jpg`) when one
 * input is given; with several, each folder keeps its own name on top (`photos/day1/a.jpg`).
 * (Two folders of the same name, `2023/photos` and `2024/photos`, share that top folder; the
 * server then tells equal names apart as `a (2).jpg`.) A file named directly is uploaded under its base name and
 * is taken even when hidden or filtered out: naming it is asking for it.
 */
export async function collectFiles(
  inputs: readonly string[],
  options: CollectOptions = {},
): Promise<InputFile[]> {
  const include = options.include?.length ? options.include.map(anyDepth) : ['**/*'];
  const exclude = (options.exclude ?? []).map(anyDepth);
  const skip = (options.skip ?? []).map((folder) => resolve(folder));
  const files: InputFile[] = [];
  // A file reached twice (the same folder given twice, a folder and a file in it) is sent once.
  const seen = new Set<string>();
  const add = (file: InputFile): void => {
    const absolute = resolve(file.path);
    if (seen.has(absolute) || skip.some((folder) => isWithin(absolute, folder))) return;
    seen.add(absolute);
    files.push(file);
  };
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (!info) throw new CliError(`NOT_FOUND: there is no file or folder ${input}.`);
    if (info.isFile()) {
      add({ path: input, name: basename(input), size: info.size });
      continue;
    }
    if (!info.isDirectory()) throw new CliError(`NOT_FOUND: ${input} is neither a file nor a folder.`);
    const prefix = inputs.length > 1 ? `${basename(resolve(input)) || 'root'}/` : '';
    // Loaded here, not at import: `filemill --version` and the other commands start without it.
    const { glob } = await import('tinyglobby');
    const found = await glob(include, {
      cwd: input,
      ignore: exclude,
      dot: false,
      onlyFiles: true,
      caseSensitiveMatch: false,
      expandDirectories: false,
    });
    found.sort();
    const sizes = await Promise.all(found.map((name) => stat(join(input, name))));
    found.forEach((name, i) => {
      if (!sizes[i]!.isFile()) return;
      add({ path: join(input, name), name: prefix + name, size: sizes[i]!.size });
    });
  }
  return files;
}
