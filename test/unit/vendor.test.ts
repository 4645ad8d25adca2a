/**
 * The build's rewrite of dist/'s imports of the vendored packages to their bundles
 * (scripts/vendor.ts): every form tsc emits, paths relative to the importing file, nothing
 * else touched, and the names a CommonJS package is imported by exported from its entry.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bundleName, commonJsEntry, namedImports, pointAtBundles } from '../../scripts/vendor.js';

const VENDOR = '/app/dist/vendor';

describe('pointing dist at the vendored bundles', () => {
  it('rewrites static, dynamic and bare imports of the packages and their subpaths', () => {
    const found = new Set<string>();
    const code = [
      "import Type, {} from 'typebox';",
      "import { Compile } from 'typebox/compile';",
      'import { Kysely, sql } from "kysely";',
      "export { sql } from 'kysely';",
      "const { Value } = await import('typebox/value');",
      "import 'kysely';",
    ].join('\n');
    assert.equal(
      pointAtBundles(code, '/app/dist/store', VENDOR, found),
      [
        "import Type, {} from '../vendor/typebox.js';",
        "import { Compile } from '../vendor/typebox-compile.js';",
        'import { Kysely, sql } from "../vendor/kysely.js";',
        "export { sql } from '../vendor/kysely.js';",
        "const { Value } = await import('../vendor/typebox-value.js');",
        "import '../vendor/kysely.js';",
      ].join('\n'),
    );
    assert.deepEqual([...found].sort(), ['kysely', 'typebox', 'typebox/compile', 'typebox/value']);
  });

  it('leaves other packages, look-alike names and our own modules alone', () => {
    const found = new Set<string>();
    const code = [
      "import { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';",
      "const s = await import('@fastify/static');",
      "import x from 'fastify-plugin';",
      "import x from 'kysely-extra';",
      "import { once } from '../core/once.js';",
    ].join('\n');
    assert.equal(pointAtBundles(code, '/app/dist/http', VENDOR, found), code);
    assert.equal(found.size, 0);
  });

  it('names a path from the dist root too', () => {
    assert.equal(
      pointAtBundles("import Type from 'typebox';", '/app/dist', VENDOR, new Set()),
      "import Type from './vendor/typebox.js';",
    );
    assert.equal(bundleName('typebox/compile'), 'typebox-compile.js');
  });

  it('points scoped CommonJS packages at a bundle named without the scope', () => {
    const found = new Set<string>();
    assert.equal(
      pointAtBundles("import multipart from '@fastify/multipart';", '/app/dist/http/routes', VENDOR, found),
      "import multipart from '../../vendor/fastify-multipart.js';",
    );
    assert.deepEqual([...found], ['@fastify/multipart']);
  });

  it('collects the names imported from CommonJS packages, not from ES module ones', () => {
    const names = new Map<string, Set<string>>();
    namedImports(
      [
        "import Fastify, { errorCodes } from 'fastify';",
        "import { Counter, Gauge as G, type Registry } from 'prom-client';",
        "import { Counter } from 'prom-client';",
        "import { Kysely } from 'kysely';",
        "import cors from '@fastify/cors';",
      ].join('\n'),
      names,
    );
    assert.deepEqual(Object.fromEntries([...names].map(([specifier, set]) => [specifier, [...set].sort()])), {
      fastify: ['errorCodes'],
      'prom-client': ['Counter', 'Gauge'],
    });
    assert.throws(() => namedImports("import * as yazl from 'yazl';", new Map()), /namespace import of yazl/);
    assert.throws(
      () => namedImports("export { Counter } from 'prom-client';", new Map()),
      /import it statically/,
    );
    assert.throws(
      () => namedImports("const { ZipFile } = await import('yazl');", new Map()),
      /import it statically/,
    );
    namedImports("export * from 'kysely'; await import('typebox/value');", new Map());
  });

  it('writes an entry exporting module.exports as the default and each name', () => {
    assert.equal(
      commonJsEntry('prom-client', ['Gauge', 'Counter']),
      "import module from 'prom-client';\nexport default module;\nexport const { Counter, Gauge } = module;\n",
    );
    assert.equal(commonJsEntry('yazl', []), "import module from 'yazl';\nexport default module;\n");
  });
});
