import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderSchema, SCHEMA_FILE } from '../../client/generate';

/**
 * client/schema.ts is generated from the committed OpenAPI document (docs/openapi.json, itself
 * checked against the API by test/e2e/openapiSnapshot.test.ts): a change to one without the other
 * fails here. Regenerate with `npm run generate:client` and commit both.
 */
describe('the typed client', () => {
  it('is generated from the committed OpenAPI document', async () => {
    const expected = (await renderSchema()).split('\n');
    const committed = (await readFile(SCHEMA_FILE, 'utf8')).split('\n');
    // The first line that differs, with a little context, instead of a 10,000-line diff.
    const at = committed.findIndex((line, i) => line !== expected[i]);
    const first = at === -1 && committed.length !== expected.length ? Math.min(committed.length, expected.length) : at;
    const around = (lines: string[]) => lines.slice(Math.max(0, first - 2), first + 3).join('\n');
    expect(
      first === -1 ? null : { line: first + 1, committed: around(committed), generated: around(expected) },
      'client/schema.ts is stale: run `npm run generate:client` and commit it',
    ).toBeNull();
  });
});
