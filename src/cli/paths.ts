/** Path checks shared by what the CLI reads and what it writes. */
import { isAbsolute, relative, sep } from 'node:path';

/** Whether the absolute `path` is `folder` itself or lies below it (`..x` is a name, not a climb). */
export function isWithin(path: string, folder: string): boolean {
  const inside = relative(folder, path);
  return inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside));
}
