#!/usr/bin/env bash
# The whole test suite: node's test runner over every *.test.ts(x), through tsx.
# Paths are expanded by the shell because node 20 does not expand quoted globs.
set -euo pipefail
cd "$(dirname "$0")/.."
# tsx compiles the tests with the server's settings plus JSX for the web page's components.
export TSX_TSCONFIG_PATH=tsconfig.tsx.json
files=$(find src test web/test \( -name '*.test.ts' -o -name '*.test.tsx' \) -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-reporter=spec "$@" $files
