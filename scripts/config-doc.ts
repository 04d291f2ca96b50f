/**
 * Rewrites the settings table in docs/configuration.md from src/config/settings.ts (a test checks the
 * two agree): `npx tsx scripts/config-doc.ts` after adding or changing a setting.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from '../src/config/settings.js';

const path = new URL('../docs/configuration.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const header = '| environment variable | config file key | default | meaning |';
const start = doc.indexOf(header);
if (start < 0) throw new Error(`docs/configuration.md has no line "${header}"`);
// The table runs until the first line that is not a table row.
const lines = doc.slice(start).split('\n');
const rows = lines.findIndex((l) => !l.startsWith('|'));
const end = start + lines.slice(0, rows < 0 ? lines.length : rows).join('\n').length;
writeFileSync(path, doc.slice(0, start) + settingsTable() + doc.slice(end));
process.stdout.write('docs/configuration.md: settings table rewritten\n');
