import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The document store's backup. The local storage adapter writes each document once under its id
 * and never changes it (usecases/documentStorage.ts), so a copy of every file not yet in the
 * backup is complete: nothing is overwritten, and files removed from the store stay in the
 * backup. Files still being written (`.partial`) are left for the next run.
 */
export const documentsBackupDir = (backupDir: string) => join(resolve(backupDir), 'documents');

const isDocument = (name: string) => !name.endsWith('.partial') && !name.startsWith('.');

async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isDocument);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Copies every document not yet in `to` (through a temporary name, so a copy is whole or absent). Returns how many. */
async function copyMissing(from: string, to: string): Promise<number> {
  await mkdir(to, { recursive: true });
  const present = new Set(await namesIn(to));
  let copied = 0;
  for (const name of await namesIn(from)) {
    if (present.has(name)) continue;
    const temporary = join(to, `.${name}.copying`);
    await copyFile(join(from, name), temporary);
    await rename(temporary, join(to, name));
    copied += 1;
  }
  return copied;
}

/** Backs up the documents written since the last run. */
export function backUpDocuments(documentsDir: string, backupDir: string): Promise<number> {
  return copyMissing(documentsDir, documentsBackupDir(backupDir));
}

/**
 * Puts back every backed-up document missing from the store. Documents of rows the restore
 * removed come back too: they are unreachable (every read goes through a row) and the
 * reconciler counts them.
 */
export function restoreDocuments(backupDir: string, documentsDir: string): Promise<number> {
  return copyMissing(documentsBackupDir(backupDir), documentsDir);
}

/** The stored document names (ids), for the reconciler. */
export function storedDocuments(documentsDir: string): Promise<string[]> {
  return namesIn(documentsDir);
}
