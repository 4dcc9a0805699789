import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where `npm run start:cluster` keeps what the backup covers, and where the backup goes. One
 * PostgreSQL server holds the ledger's database and Temporal's two (`temporal`,
 * `temporal_visibility`), so one WAL archive covers all three. COREBANK_BACKUP_DIR should be
 * another disk (or a mount of object storage) in real use: a backup on the same disk as the data
 * does not survive the disk.
 */
export function clusterProfile(env: NodeJS.ProcessEnv = process.env) {
  const dataDir = join(ROOT, '.data', 'cluster');
  const port = Number(env.PG_PORT ?? 54329);
  return {
    /** The directory start:cluster's pid file lives in (dev/session.ts claimPidFile). */
    sessionDir: join(ROOT, '.data'),
    postgresDataDir: join(dataDir, 'postgres'),
    postgresPort: port,
    /** The superuser of the embedded server (dev/postgres.ts). */
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    ledgerUrl: `postgres://postgres:postgres@127.0.0.1:${port}/corebank`,
    backupDir: resolve(env.COREBANK_BACKUP_DIR || join(dataDir, 'backup')),
    /** As the API reads it (config/env.ts), relative to where the processes run: the checkout. */
    documentsDir: resolve(ROOT, env.DOCUMENTS_DIR || '.data/documents'),
    /** Seconds after which a partly filled WAL segment is archived anyway: the most a restore loses. */
    archiveTimeoutS: Number(env.WAL_ARCHIVE_TIMEOUT_S ?? 60),
  };
}
