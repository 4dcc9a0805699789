import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useTestApi } from '../support/suite';

/**
 * The committed OpenAPI document (docs/openapi.json) is the contract clients generate code from:
 * a change to it must be deliberate. Regenerate with UPDATE_OPENAPI_SNAPSHOT=1 npx vitest run
 * test/e2e/openapiSnapshot.test.ts and commit the diff with the change that caused it.
 */
const api = useTestApi();
const SNAPSHOT = new URL('../../docs/openapi.json', import.meta.url);

describe('the OpenAPI document', () => {
  it('equals the committed snapshot', async () => {
    const current = `${JSON.stringify((await api().get('/openapi.json', { token: null })).body, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI_SNAPSHOT === '1') await writeFile(SNAPSHOT, current);
    const committed = await readFile(SNAPSHOT, 'utf8');
    expect(current, 'the API changed: regenerate docs/openapi.json (see the comment above) and commit it').toBe(committed);
  });
});
