/**
 * Part of `npm run build`, after tsc: TypeBox and Kysely bundled into a few modules in
 * dist/vendor/, and the compiled code's imports of them pointed there. Both packages ship
 * as many small ES modules (~680 and ~260 for what filemill imports), and Node loads ES
 * modules one at a time (resolve, read, compile, link): about a third of the CPU of a start —
 * `filemill submit` without a server above all — went to that alone; bundled, they load in a
 * few ms. Only dist/ changes: under tsx (the tests) the imports reach the packages as written.
 * The bundles share their common code (esbuild's splitting), so each package's code runs once
 * per process, as it does from node_modules.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The packages bundled; any subpath of them that dist/ imports (`typebox/compile`) too. */
export const VENDORED = ['typebox', 'kysely'] as const;

/** `from 'typebox/compile'`, `import('kysely')`, `import 'kysely'`: what tsc leaves of an import. */
const IMPORT = new RegExp(
  String.raw`(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])((?:${VENDORED.join('|')})(?:/[\w./-]+)?)\2`,
  'g',
);

/** The bundle's file for a specifier: `typebox/compile` → `typebox-compile.js`. */
export function bundleName(specifier: string): string {
  return `${specifier.replaceAll('/', '-')}.js`;
}

/**
 * `code`'s imports of the vendored packages pointed at their bundles in `vendorDir`, relative
 * to `fromDir` (the folder of the file `code` is from); the specifiers found are added to `found`.
 */
export function pointAtBundles(code: string, fromDir: string, vendorDir: string, found: Set<string>): string {
  return code.replace(IMPORT, (_match, keyword: string, quote: string, specifier: string) => {
    found.add(specifier);
    const path = relative(fromDir, join(vendorDir, bundleName(specifier)))
      .split(sep)
      .join('/');
    return `${keyword}${quote}${path.startsWith('.') ? path : `./${path}`}${quote}`;
  });
}

async function compiledFiles(dir: string, skip: readonly string[]): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !skip.some((folder) => path.startsWith(folder + sep)));
}

/** Rewrites dist/'s imports, then bundles every specifier they named into dist/vendor/. */
export async function vendor(dist: string): Promise<string[]> {
  const vendorDir = join(dist, 'vendor');
  await rm(vendorDir, { recursive: true, force: true });
  const found = new Set<string>();
  for (const file of await compiledFiles(dist, [vendorDir, join(dist, 'web')])) {
    const code = await readFile(file, 'utf8');
    const rewritten = pointAtBundles(code, dirname(file), vendorDir, found);
    if (rewritten !== code) await writeFile(file, rewritten);
  }
  const specifiers = [...found].sort();
  await build({
    entryPoints: specifiers.map((specifier) => ({
      in: fileURLToPath(import.meta.resolve(specifier)),
      out: bundleName(specifier).slice(0, -'.js'.length),
    })),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: vendorDir,
    logLevel: 'warning',
  });
  return specifiers;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = fileURLToPath(new URL('../dist', import.meta.url));
  const bundled = await vendor(dist);
  process.stdout.write(`vendored into dist/vendor: ${bundled.join(', ')}\n`);
}
