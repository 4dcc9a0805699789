import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/env';
import { temporalConnectionOptions } from '../config/temporalTls';
import { createSql } from '../ledger/db';
import { dataConverterFor } from '../observability/payloadCodec';
import { clusterProfile } from './clusterProfile';
import { formatReport, reconcile } from './reconcile';

/**
 * `npm run reconcile` (after a restore, with the workers running): compares the ledger, its read
 * models and Temporal, re-drives the workflows that are behind the ledger, and prints what needs
 * ops. The API's variables (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TLS_*, PAYLOAD_ENCRYPTION_KEYS,
 * DOCUMENTS_DIR); DATABASE_URL and TEMPORAL_ADDRESS default to start:cluster's (PG_PORT, TEMPORAL_PORT). `--dry-run` only reports,
 * `--json` prints the report as JSON. Exit codes: 0 all agree, 1 failed, 2 a usage mistake,
 * 3 something needs ops (so a runbook or job can stop on it).
 */
async function main(): Promise<number> {
  let values: { 'dry-run'?: boolean; json?: boolean; 'settle-seconds'?: string };
  try {
    values = parseArgs({
      options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, 'settle-seconds': { type: 'string' } },
    }).values;
  } catch (error) {
    console.error(`reconcile: ${(error as Error).message}\nusage: npm run reconcile [-- --dry-run] [--json] [--settle-seconds 30]`);
    return 2;
  }
  const profile = clusterProfile();
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL || profile.ledgerUrl,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS || `127.0.0.1:${process.env.TEMPORAL_PORT ?? 7233}`,
  });
  const sql = createSql(config.databaseUrl, { max: 2 });
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({ connection, namespace: config.temporalNamespace, ...dataConverterFor(config.payloadKeys) });
  try {
    const report = await reconcile({
      sql,
      temporal,
      documentsDir: profile.documentsDir,
      dryRun: values['dry-run'] ?? false,
      settleMs: Number(values['settle-seconds'] ?? 30) * 1000,
      log: (line) => console.error(`reconcile: ${line}`),
    });
    console.log(values.json ? JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) : formatReport(report));
    return report.ok ? 0 : 3;
  } finally {
    await connection.close();
    await sql.end({ timeout: 5 });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`reconcile: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
