import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { createSql } from '../ledger/db';
import { testAppDeps } from '../test/support/api';

/**
 * `npm run openapi:snapshot`: writes docs/openapi.json, the committed OpenAPI document clients
 * generate code from, as the app serves it at /openapi.json. test/e2e/openapiSnapshot.test.ts only
 * compares (a test that rewrote its own expectation could never fail); this is the one way to
 * update it. The app is built with the tests' dependencies, so the document is the one the test
 * sees; serving /openapi.json touches neither Postgres nor Temporal, so both are lazy and never
 * connected.
 */

export const OPENAPI_SNAPSHOT = new URL('../docs/openapi.json', import.meta.url);

/** The document as committed: pretty-printed JSON with a final newline. */
export const snapshotText = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

async function main() {
  const sql = createSql('postgres://openapi-snapshot@127.0.0.1:1/none', { max: 1 });
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const errors: unknown[] = [];
  const app = createApp(testAppDeps({ sql, temporal, taskQueue: 'openapi-snapshot', errors }));
  const res = await app.request('/openapi.json');
  if (res.status !== 200 || errors.length > 0) throw new Error(`/openapi.json answered ${res.status}: ${await res.text()}`);
  await writeFile(OPENAPI_SNAPSHOT, snapshotText(await res.json()));
  await sql.end();
  console.log(`wrote ${fileURLToPath(OPENAPI_SNAPSHOT)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
