/**
 * The build's rewrite of dist/'s imports of TypeBox and Kysely to their bundles
 * (scripts/vendor.ts): every form tsc emits, paths relative to the importing file, and
 * nothing else touched.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bundleName, pointAtBundles } from '../../scripts/vendor.js';

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
      "import fastify from 'fastify';",
      "import { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';",
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
});
