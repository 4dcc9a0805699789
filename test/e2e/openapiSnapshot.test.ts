import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { OPENAPI_SNAPSHOT, snapshotText } from '../../dev/openapiSnapshot';
import { useTestApi } from '../support/suite';

/**
 * The committed OpenAPI document (docs/openapi.json) is the contract clients generate code from:
 * a change to it must be deliberate. This test only compares; `npm run openapi:snapshot` rewrites
 * the file (then `npm run generate:client`), and the diff is committed with the change that caused it.
 */
const api = useTestApi();

describe('the OpenAPI document', () => {
  it('equals the committed snapshot', async () => {
    const current = snapshotText((await api().get('/openapi.json', { token: null })).body);
    const committed = await readFile(OPENAPI_SNAPSHOT, 'utf8');
    expect(current, 'the API changed: run `npm run openapi:snapshot` and `npm run generate:client`, and commit both').toBe(committed);
  });
});
