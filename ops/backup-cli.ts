import { parseArgs } from 'node:util';
import { clusterProfile } from './clusterProfile';
import { backUpDocuments } from './documentsArchive';
import { flushWalToArchive, listBaseBackups, takeBaseBackup } from './postgresArchive';

/**
 * `npm run backup` (the cluster profile, `npm run start:cluster` running): a base backup of its
 * PostgreSQL (the ledger and Temporal's databases together), the WAL up to now flushed to the
 * archive, and the documents written since the last run. `--documents-only` copies the documents
 * alone (cheap: run it often, e.g. every few minutes from cron, as the WAL is archived by itself).
 * Exit codes: 0 done, 1 failed, 2 a usage mistake.
 */
async function main(): Promise<number> {
  let args: { values: { 'documents-only'?: boolean } };
  try {
    args = parseArgs({ options: { 'documents-only': { type: 'boolean' } } });
  } catch (error) {
    console.error(`backup: ${(error as Error).message}\nusage: npm run backup [-- --documents-only]`);
    return 2;
  }
  const profile = clusterProfile();
  if (!args.values['documents-only']) {
    const base = await takeBaseBackup(profile.adminUrl, profile.postgresDataDir, profile.backupDir);
    console.log(`backup: base backup ${base.id} (${(base.bytes / 2 ** 20).toFixed(1)} MiB) in ${base.dir}`);
    const segment = await flushWalToArchive(profile.adminUrl, profile.backupDir);
    console.log(`backup: WAL archived up to segment ${segment}`);
  }
  const copied = await backUpDocuments(profile.documentsDir, profile.backupDir);
  console.log(`backup: ${copied} new document(s) copied from ${profile.documentsDir}`);
  const backups = await listBaseBackups(profile.backupDir);
  if (backups[0])
    console.log(
      `backup: restorable to any time from ${backups[0].finishedAt} to the last archived WAL segment (npm run restore -- --to <time>)`,
    );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`backup: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
