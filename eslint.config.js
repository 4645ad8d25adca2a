// Lint rules. Besides the recommended sets, two architectural rules: core/ is the pure
// domain and imports nothing from the adapters (shared/STYLE.md, "Our layout"); http/ reaches
// the adapters only through the service, which decides who may do what.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'web/dist/', 'coverage/', 'data/'] },
  js.configs.recommended,
  { languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The web UI runs in a browser.
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        File: 'readonly',
        FormData: 'readonly',
        XMLHttpRequest: 'readonly',
        WebSocket: 'readonly',
        PopStateEvent: 'readonly',
        AbortController: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
      },
    },
  },
  {
    // Shims bundled in place of a CommonJS dependency (scripts/vendor.ts) are CommonJS too.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', Buffer: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read JSON answers from the API; typing every one would repeat the schemas.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../core/*'],
              message: 'core/ is the pure domain: it must not import adapters, service, http or cli.',
            },
            {
              group: [
                'fastify',
                'kysely',
                'better-sqlite3',
                'pg',
                'sharp',
                'node:fs',
                'node:fs/*',
                'node:child_process',
                'node:http',
              ],
              message: 'core/ does no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../store/*',
                '../../store/*',
                '../storage/*',
                '../../storage/*',
                '../queue/*',
                '../../queue/*',
                '../events/*',
                '../../events/*',
                '../worker/*',
                '../../worker/*',
              ],
              message:
                'http/ goes through the service (src/service), which decides what a principal may do: no store, storage, queue, event bus or worker here.',
            },
          ],
        },
      ],
    },
  },
);
