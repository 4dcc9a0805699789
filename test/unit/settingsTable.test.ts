import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../config/settings';
import { settingsTable, withSettingsTable } from '../../config/settingsTable';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe("README's configuration table", () => {
  it('is the one config/settings.ts makes (run `npm run docs:config` when this fails)', () => {
    expect(readme === withSettingsTable(readme), 'README.md differs from config/settings.ts: run `npm run docs:config`').toBe(true);
  });

  it('has a row for every variable of the schema and no other', () => {
    const table = settingsTable();
    const listed = [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1]);
    expect(listed).toEqual(Object.keys(SETTINGS));
  });

  it('a changed description is a difference', () => {
    const edited = readme.replace('| `API_PORT` | `3000` |', '| `API_PORT` | `3001` |');
    expect(edited).not.toBe(readme);
    expect(withSettingsTable(edited)).toBe(readme);
  });
});
