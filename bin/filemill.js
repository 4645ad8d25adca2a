#!/usr/bin/env node
// The `filemill` command: runs the compiled CLI (`npm start` builds it first).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('filemill: not built yet — run `npm run build` (npm start does it for you).\n');
  process.exit(1);
}
await import(entry.href);
