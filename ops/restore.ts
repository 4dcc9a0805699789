import { existsSync } from 'node:fs';
import { realpath, rename } from 'node:fs/promises';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../dev/postgres';
import { restoreDocuments } from './documentsArchive';
import { archivingFlags, baseBackupFor, prepareRestore, recoveryFlags } from './postgresArchive';

export interface RestoreOptions {
  backupDir: string;
  /** The server's data directory; it is moved aside (never deleted) and replaced. */
  dataDir: string;
  port: number;
  /** A time, or `latest`: everything the archive has (the data directory lost, nothing to undo). */
  target: Date | 'latest';
  documentsDir: string;
  archiveTimeoutS?: number;
  log?: (line: string) => void;
}

export interface RestoreResult {
  baseBackup: string;
  /** Where the data directory before the restore now is. */
  movedAside: string | null;
  /** The server's line saying where the replay stopped (the first commit after the target), if it said. */
  lastCommitBefore: string | null;
  documentsPutBack: number;
}

/**
 * Restores the server to `target` (the server must be stopped): the newest base backup finished
 * at or before it, the archived WAL replayed up to it, then recovery ends on a new timeline and
 * the server stops again, ready for the next start. Documents missing from the store come back
 * from the backup. The same instant for every database of the server: the restore-point rule
 * (Temporal at or before the ledger) holds by construction.
 */
export async function restoreTo(options: RestoreOptions): Promise<RestoreResult> {
  const log = options.log ?? (() => {});
  const base = await baseBackupFor(options.backupDir, options.target);
  log(
    `base backup ${base.id} (finished ${base.finishedAt}), replaying the WAL archive to ${options.target === 'latest' ? 'its end' : options.target.toISOString()}`,
  );
  let movedAside: string | null = null;
  let dataDir = options.dataDir;
  if (existsSync(dataDir)) {
    dataDir = await realpath(dataDir);
    movedAside = `${dataDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(dataDir, movedAside);
    log(`the data directory before the restore is kept in ${movedAside}`);
  }
  await prepareRestore(base, dataDir);
  const lines: string[] = [];
  let stoppedAt: string | null = null;
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    pg = await startEmbeddedPostgres({
      dataDir,
      port: options.port,
      persistent: true,
      onLog: (line) => {
        // "recovery stopping before commit of transaction N, time T": where the replay ended.
        const stopping = /recovery stopping[^\n]*/.exec(line);
        if (stopping) stoppedAt = stopping[0];
        lines.push(line.trim());
        if (lines.length > 40) lines.shift();
      },
      // The restored server goes on archiving, on its new timeline.
      extraFlags: [...archivingFlags(options.backupDir, options.archiveTimeoutS), ...recoveryFlags(options.backupDir, options.target)],
    });
  } catch (error) {
    throw new Error(`the recovery failed: ${error instanceof Error ? error.message : 'the server stopped'}\n${lines.join('\n')}`);
  }
  let lastCommitBefore: string | null = null;
  try {
    const url = new URL(pg.url);
    url.pathname = '/postgres';
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ recovering: boolean }[]>`SELECT pg_is_in_recovery() AS recovering`;
      if (row?.recovering) throw new Error('the server is still in recovery');
    } finally {
      await sql.end({ timeout: 5 });
    }
    lastCommitBefore = stoppedAt;
  } finally {
    await pg.stop();
  }
  const documentsPutBack = await restoreDocuments(options.backupDir, options.documentsDir);
  return { baseBackup: base.id, movedAside, lastCommitBefore, documentsPutBack };
}
