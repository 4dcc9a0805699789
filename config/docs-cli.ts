import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSettingsTable } from './settingsTable';

/** `npm run docs:config`: rewrites README's configuration table from config/settings.ts. */
const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = withSettingsTable(before);
writeFileSync(readmePath, after);
console.log(before === after ? 'README.md: the configuration table was up to date' : 'README.md: configuration table rewritten');
