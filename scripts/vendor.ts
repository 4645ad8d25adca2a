/**
 * Part of `npm run build`, after tsc: the packages a server loads at start-up bundled into a
 * few modules in dist/vendor/, and the compiled code's imports of them pointed there. They
 * ship as many small modules (TypeBox ~680 and Kysely ~260 ES modules; Fastify, its plugins,
 * Ajv and prom-client ~380 CommonJS ones), and Node loads modules one at a time (resolve,
 * read, compile, link): most of the CPU of a start — `filemill submit` without a server above
 * all — went to that alone; bundled, they load in a fraction of it. Only dist/ changes: under
 * tsx (the tests) the imports reach the packages as written. The bundles share their common
 * code (esbuild's splitting), so each package's code runs once per process, as it does from
 * node_modules. Packages a server loads only when asked (the web page's, Redis's, the
 * processors' inside the workers) stay in node_modules.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The packages bundled (any subpath of them that dist/ imports, `typebox/compile`, too), by
 * module format: an ES module package is bundled as it is; a CommonJS one through an entry of
 * ours that exports its `module.exports` as the default and, by name, what dist/ imports from
 * it, as Node's own interop does.
 */
export const VENDORED: Readonly<Record<string, 'esm' | 'cjs'>> = {
  typebox: 'esm',
  kysely: 'esm',
  'file-type': 'esm',
  'csv-stringify': 'esm',
  fastify: 'cjs',
  '@fastify/ajv-compiler': 'cjs',
  '@fastify/fast-json-stringify-compiler': 'cjs',
  '@fastify/cors': 'cjs',
  '@fastify/helmet': 'cjs',
  '@fastify/multipart': 'cjs',
  '@fastify/rate-limit': 'cjs',
  'prom-client': 'cjs',
  yazl: 'cjs',
};

const PACKAGES = Object.keys(VENDORED)
  .map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
  .join('|');

/** `from 'typebox/compile'`, `import('kysely')`, `import 'kysely'`: what tsc leaves of an import. */
const IMPORT = new RegExp(
  String.raw`(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])((?:${PACKAGES})(?:/[\w./-]+)?)\2`,
  'g',
);

/** `import Fastify, { a, b as c } from 'x'` and `import * as x from 'x'`, with its specifier. */
const IMPORT_CLAUSE =
  /\bimport\s+([\w$]+\s*,\s*)?(?:\{([^}]*)\}|(\*\s*as\s+[\w$]+))\s*from\s*(['"])([^'"]+)\4/g;

/** The package a specifier is from: `csv-stringify/sync` → `csv-stringify`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

/** The bundle's file for a specifier: `typebox/compile` → `typebox-compile.js`. */
export function bundleName(specifier: string): string {
  return `${specifier.replace(/^@/, '').replaceAll('/', '-')}.js`;
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

/** `export { a } from 'x'`, `export * from 'x'` and `import('x')`, with the specifier. */
const OTHER_USE = /(?:\bexport\s*(?:\{[^}]*\}|\*)\s*from\s*|\bimport\s*\(\s*)(['"])([^'"]+)\1/g;

/**
 * Adds to `names` what `code` imports by name from the vendored CommonJS packages
 * (`import { Counter } from 'prom-client'` → prom-client: Counter).
 * @throws Error on a namespace import, a re-export or a dynamic import of one: the names they
 * use cannot be known from the code, and the bundle exports only those it was told.
 */
export function namedImports(code: string, names: Map<string, Set<string>>): void {
  for (const [use, , specifier] of code.matchAll(OTHER_USE)) {
    if (VENDORED[packageOf(specifier!)] === 'cjs') {
      throw new Error(`\`${use}\` of a vendored CommonJS package: import it statically, by name`);
    }
  }
  for (const [, , list, namespace, , specifier] of code.matchAll(IMPORT_CLAUSE)) {
    if (VENDORED[packageOf(specifier!)] !== 'cjs') continue;
    if (namespace)
      throw new Error(`a namespace import of ${specifier} cannot be vendored: import it by name`);
    const set = names.get(specifier!) ?? new Set<string>();
    names.set(specifier!, set);
    for (const item of (list ?? '').split(',')) {
      const name = item.trim().split(/\s+as\s+/)[0]!;
      if (name && !name.startsWith('type ')) set.add(name);
    }
  }
}

/** The entry bundled for a CommonJS specifier: its exports as `import` sees them in Node. */
export function commonJsEntry(specifier: string, names: Iterable<string>): string {
  const named = [...names].filter((name) => name !== 'default').sort();
  return [
    `import module from '${specifier}';`,
    'export default module;',
    ...(named.length > 0 ? [`export const { ${named.join(', ')} } = module;`] : []),
    '',
  ].join('\n');
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
  // Inside the project, so that the entries' imports resolve from its node_modules.
  const entriesDir = join(dist, '.vendor-entries');
  await rm(vendorDir, { recursive: true, force: true });
  const found = new Set<string>();
  const names = new Map<string, Set<string>>();
  for (const file of await compiledFiles(dist, [vendorDir, join(dist, 'web')])) {
    const code = await readFile(file, 'utf8');
    namedImports(code, names);
    const rewritten = pointAtBundles(code, dirname(file), vendorDir, found);
    if (rewritten !== code) await writeFile(file, rewritten);
  }
  const specifiers = [...found].sort();
  await mkdir(entriesDir, { recursive: true });
  try {
    const entryPoints = await Promise.all(
      specifiers.map(async (specifier) => {
        const out = bundleName(specifier).slice(0, -'.js'.length);
        if (VENDORED[packageOf(specifier)] === 'esm')
          return { in: fileURLToPath(import.meta.resolve(specifier)), out };
        const entry = join(entriesDir, `${out}.mjs`);
        await writeFile(entry, commonJsEntry(specifier, names.get(specifier) ?? []));
        return { in: entry, out };
      }),
    );
    await build({
      entryPoints,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: vendorDir,
      // CommonJS code bundled into ES modules still calls require() for Node's own modules.
      banner: {
        js: "import { createRequire as vendorRequire } from 'node:module'; const require = vendorRequire(import.meta.url);",
      },
      logLevel: 'warning',
      // yazl's CRC-32 computed by Node's zlib instead of byte by byte in JavaScript.
      alias: { 'buffer-crc32': fileURLToPath(new URL('./vendor-shims/buffer-crc32.cjs', import.meta.url)) },
    });
  } finally {
    await rm(entriesDir, { recursive: true, force: true });
  }
  return specifiers;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = fileURLToPath(new URL('../dist', import.meta.url));
  const bundled = await vendor(dist);
  process.stdout.write(`vendored into dist/vendor: ${bundled.join(', ')}\n`);
}
