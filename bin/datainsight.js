#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the "prepare" script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/run.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write('datainsight: not built yet; run "npm install" (or "npm run build") first\n');
  process.exit(1);
}
await import(compiled);
