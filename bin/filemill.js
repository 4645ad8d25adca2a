#!/usr/bin/env node
// The `filemill` command: runs the compiled CLI (`npm start` builds it first).
import { existsSync } from 'node:fs';
import module from 'node:module';

// From Node 22.1 on, the code compiled for each module (about a thousand for an engine start)
// is kept on disk (NODE_COMPILE_CACHE, default: the temporary folder) and reused by the next
// run; older Node has no such cache and starts as before. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('filemill: not built yet — run `npm run build` (npm start does it for you).\n');
  process.exit(1);
}
await import(entry.href);
