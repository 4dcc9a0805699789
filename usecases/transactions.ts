import { NotFoundError } from '../domain/errors';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { type EntryFilter, getEntry, listEntries } from '../ledger/journal';
import type { JournalEntry } from '../ledger/types';
import type { UseCaseDeps } from './deps';

export type { EntryFilter };

/** The journal as the back office reads it: entries ("transactions") by filter, or one by id. */
export function createTransactionUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  /** Entries newest first; with an account, that account's statement. */
  async function list(filter: EntryFilter, page: PageRequest): Promise<Page<JournalEntry>> {
    return toPage(await listEntries(sql, filter, page), page.limit, (row) => row);
  }

  async function get(transactionId: string): Promise<JournalEntry> {
    const entry = await getEntry(sql, transactionId);
    if (!entry) throw new NotFoundError('transaction', transactionId);
    return entry;
  }

  return { list, get };
}

export type TransactionUseCases = ReturnType<typeof createTransactionUseCases>;
