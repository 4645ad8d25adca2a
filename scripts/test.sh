#!/usr/bin/env bash
# The whole test suite: node's test runner over every *.test.ts(x), through tsx.
# Paths are expanded by the shell because node 20 does not expand quoted globs.
#
# Files run FILEMILL_TEST_CONCURRENCY at a time (3 by default; 1 runs them one by one). Each
# file is isolated — its own temporary folders, ports chosen by the system, Redis key
# prefixes, PostgreSQL schemas or databases — and most of a file's time is spent waiting on
# processes it started, so more files than cores keeps the machine busy.
set -euo pipefail
cd "$(dirname "$0")/.."
# tsx compiles the tests with the server's settings plus JSX for the web page's components.
export TSX_TSCONFIG_PATH=tsconfig.tsx.json
# The page the browser tests drive, built once from web/ for the whole run: built per file,
# one file's build would empty dist/web under another file that serves or reads it.
node node_modules/vite/bin/vite.js build web --logLevel warn
export FILEMILL_TEST_PAGE_BUILT=1
# The longest files first, so that none of them starts last and holds up the end.
slow='test/integration/big-batch.test.ts
test/integration/faults-failpoints.test.ts
test/integration/faults.test.ts
test/integration/faults-stalls.test.ts
test/e2e/web.test.ts
test/integration/keys.test.ts
test/integration/cli.test.ts
test/integration/outages.test.ts
test/integration/cli-api-key.test.ts
test/e2e/access.test.ts
test/integration/submit.test.ts
test/worker/process-pool-limits.test.ts
test/integration/bind.test.ts
test/integration/recovery.test.ts
test/integration/control.test.ts
test/integration/scale-out.test.ts'
all=$(find src test web/test \( -name '*.test.ts' -o -name '*.test.tsx' \) -not -path '*/node_modules/*' | sort)
files=$( (printf '%s\n' "$slow" | grep -Fx -f <(printf '%s\n' "$all")) ; printf '%s\n' "$all" | grep -Fvx -f <(printf '%s\n' "$slow"))
# A test (or a file that does not exit) that hangs fails after 15 minutes, naming itself,
# instead of holding the run until CI gives up.
exec node --import tsx --test --test-concurrency="${FILEMILL_TEST_CONCURRENCY:-3}" --test-timeout=900000 --test-reporter=spec "$@" $files
