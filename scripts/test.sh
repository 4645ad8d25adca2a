#!/usr/bin/env bash
# The whole test suite: node's test runner over every *.test.ts, through tsx.
# Paths are expanded by the shell because node 20 does not expand quoted globs.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(find src test web/test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-reporter=spec "$@" $files
