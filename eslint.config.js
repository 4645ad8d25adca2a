// Lint rules. Besides the recommended sets, one architectural rule: core/ is the pure
// domain and imports nothing from the adapters (shared/STYLE.md, "Our layout").
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
);
