import { parseArgs } from 'node:util';
import { isPortInUse } from '../dev/ports';
import { clusterProfile } from './clusterProfile';
import { restoreTo } from './restore';

/**
 * `npm run restore -- --to <time>` (the cluster profile, stopped): its PostgreSQL (the ledger and
 * Temporal together) restored to <time> (ISO 8601, e.g. 2026-12-08T00:10:00Z; `latest`: all the
 * archive has, after losing the data directory), the documents
 * missing from the store put back. Then `npm run start:cluster` and `npm run reconcile`.
 * Exit codes: 0 done, 1 failed, 2 a usage mistake.
 */
async function main(): Promise<number> {
  let to: string | undefined;
  try {
    to = parseArgs({ options: { to: { type: 'string' } } }).values.to;
  } catch (error) {
    console.error(`restore: ${(error as Error).message}`);
    to = undefined;
  }
  const target = to === 'latest' ? 'latest' : to === undefined ? undefined : new Date(to);
  if (!target || (target !== 'latest' && (Number.isNaN(target.getTime()) || !/\d{4}-\d\d-\d\dT\d\d:\d\d/.test(to ?? '')))) {
    console.error('usage: npm run restore -- --to <ISO 8601 time, e.g. 2026-12-08T00:10:00Z | latest>');
    return 2;
  }
  const profile = clusterProfile();
  if (await isPortInUse(profile.postgresPort)) {
    console.error(`restore: something listens on port ${profile.postgresPort}: stop npm run start:cluster first (Ctrl-C)`);
    return 1;
  }
  const result = await restoreTo({
    backupDir: profile.backupDir,
    dataDir: profile.postgresDataDir,
    port: profile.postgresPort,
    target,
    documentsDir: profile.documentsDir,
    archiveTimeoutS: profile.archiveTimeoutS,
    log: (line) => console.log(`restore: ${line}`),
  });
  if (result.lastCommitBefore) console.log(`restore: ${result.lastCommitBefore}`);
  console.log(`restore: ${result.documentsPutBack} document(s) put back`);
  console.log('restore: done. Next: npm run start:cluster, then npm run reconcile');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`restore: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
