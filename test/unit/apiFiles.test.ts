import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The API's files stay small enough to read in one go, and hold no SQL: a file past the bound is
 * split by subject (as api/schemas/ is), a query moves to store/. The import side of "no SQL" is
 * the layer rule `no-sql-in-api` (npm run check:layers); this catches a query written inline.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_LINES = 300;

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

const apiFiles = filesUnder(join(ROOT, 'api')).map((file) => ({ path: relative(ROOT, file), text: readFileSync(file, 'utf8') }));

/** A postgres.js query: a tagged template on a pool or transaction, or an unsafe() call. */
const QUERY = /\b(?:sql|tx)(?:<[^>]*>)?`|\.unsafe\(/;
/** SQL keywords at the start of a template line, whatever the tag is called. */
const SQL_TEXT = /`\s*(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WITH \w+ AS)\b/;

describe('api/', () => {
  it('has files (the walk found the folder)', () => {
    expect(apiFiles.map((f) => f.path)).toContain('api/app.ts');
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = apiFiles
      .map((f) => ({ path: f.path, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('writes no SQL', () => {
    expect(apiFiles.filter((f) => QUERY.test(f.text) || SQL_TEXT.test(f.text)).map((f) => f.path)).toEqual([]);
  });
});
