/** Path checks shared by what the CLI reads and what it writes. */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CliError } from './api-client.js';

/** Whether the absolute `path` is `folder` itself or lies below it (`..x` is a name, not a climb). */
export function isWithin(path: string, folder: string): boolean {
  const inside = relative(folder, path);
  return inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside));
}

/**
 * Where a result named by a server (`day1/a.webp`) goes in `folder`: the absolute path.
 * @throws CliError UNSAFE_PATH for a name that is not a file below the folder (`..`, an
 *   absolute path, the folder itself, a name ending in `/`, `.` or `..`, a NUL): "zip slip".
 */
export function placeInside(folder: string, name: string): string {
  const root = resolve(folder);
  const target = resolve(root, name);
  // A file's name: not a folder's (`a/`, `a/.`), and no NUL, which no path may hold.
  const notAFile = name.includes('\0') || /(^|\/)\.{0,2}$/.test(name);
  if (notAFile || target === root || !isWithin(target, root)) {
    throw new CliError(`UNSAFE_PATH: the results hold a name outside the folder: ${name}`);
  }
  return target;
}
