import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backUpDocuments, restoreDocuments } from '../../ops/documentsArchive';
import { archivingFlags, baseBackupFor, recoveryFlags } from '../../ops/postgresArchive';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archive-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fakeBackup(backupDir: string, id: string, finishedAt: string, partial = false) {
  const at = join(backupDir, 'base', partial ? `${id}.partial` : id);
  await mkdir(join(at, 'data'), { recursive: true });
  await writeFile(join(at, 'backup.json'), JSON.stringify({ id, startedAt: finishedAt, finishedAt, stopLsn: '0/1' }));
}

describe('the WAL archive settings', () => {
  it('archive without overwriting, and replay to a time in the form PostgreSQL accepts', () => {
    const flags = archivingFlags('/backups/x', 30).join(' ');
    expect(flags).toContain("archive_command=test ! -f '/backups/x/wal/%f' && cp '%p' '/backups/x/wal/%f'");
    expect(flags).toContain('archive_timeout=30');
    expect(recoveryFlags('/backups/x', new Date('2026-12-08T00:10:59.528Z'))).toContain('recovery_target_time=2026-12-08 00:10:59.528+00');
  });

  it('refuses a backup directory that would break the quoted command', () => {
    expect(() => archivingFlags("/backups/it's")).toThrow(/may not contain quotes/);
    expect(() => archivingFlags('/backups/100%')).toThrow(/may not contain/);
  });
});

describe('choosing the base backup for a target', () => {
  it('the newest finished at or before the target; never a partial one; a clear refusal before the first', async () => {
    const backupDir = join(dir, 'choose');
    await fakeBackup(backupDir, 'a', '2026-12-01T00:00:00.000Z');
    await fakeBackup(backupDir, 'b', '2026-12-02T00:00:00.000Z');
    await fakeBackup(backupDir, 'c', '2026-12-03T00:00:00.000Z', true);
    expect((await baseBackupFor(backupDir, new Date('2026-12-02T00:00:00.000Z'))).id).toBe('b');
    expect((await baseBackupFor(backupDir, new Date('2026-12-01T12:00:00.000Z'))).id).toBe('a');
    expect((await baseBackupFor(backupDir, new Date('2026-12-05T00:00:00.000Z'))).id).toBe('b');
    await expect(baseBackupFor(backupDir, new Date('2026-11-30T00:00:00.000Z'))).rejects.toThrow(
      'the earliest point to restore to is 2026-12-01T00:00:00.000Z',
    );
    await expect(baseBackupFor(join(dir, 'empty'), new Date())).rejects.toThrow(/run `npm run backup` first/);
  });
});

describe('documents backup', () => {
  it('copies each document once, skips files being written, and puts back only what is missing', async () => {
    const store = join(dir, 'store');
    const backupDir = join(dir, 'docs-backup');
    await mkdir(store, { recursive: true });
    await writeFile(join(store, 'doc-1'), 'one');
    await writeFile(join(store, 'doc-2.partial'), 'half');
    expect(await backUpDocuments(store, backupDir)).toBe(1);
    await writeFile(join(store, 'doc-3'), 'three');
    expect(await backUpDocuments(store, backupDir)).toBe(1);
    await rm(store, { recursive: true });
    expect(await restoreDocuments(backupDir, store)).toBe(2);
    expect(await restoreDocuments(backupDir, store)).toBe(0);
  });
});
