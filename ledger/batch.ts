import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql } from './db';
import { decideInTransaction } from './decision';
import { recordEntries } from './journal';
import type { EntryRequest, JournalEntry } from './types';

/** The most postings one batch may carry: bounds a transaction's locks and a statement's size. */
export const MAX_BATCH_SIZE = 8_000;

export type BatchResult = { ok: true; entry: JournalEntry; replayed: boolean } | { ok: false; error: DomainError };

export interface BatchOptions {
  /** All postings or none (the first refusal refuses the batch); default: each posting on its own. */
  atomic?: boolean;
}

/**
 * Many postings in one transaction (decision.ts `decideAndWrite`, each posting a write of its own). Each
 * posting is still checked and idempotent under its id; by default a refused posting refuses only
 * itself (and stays refused, like a single entry).
 */
export async function recordBatch(sql: Sql, requests: EntryRequest[], options: BatchOptions = {}): Promise<BatchResult[]> {
  if (requests.length > MAX_BATCH_SIZE) {
    throw new DomainError(ErrorCode.VALIDATION_ERROR, `a batch holds at most ${MAX_BATCH_SIZE} postings`, { field: 'postings' });
  }
  if (requests.length === 0) return [];
  if (options.atomic) {
    try {
      const entries = await recordEntries(sql, requests);
      return entries.map((entry) => ({ ok: true, entry, replayed: false }));
    } catch (error) {
      if (error instanceof DomainError) return requests.map(() => ({ ok: false, error }));
      throw error;
    }
  }
  const results = await decideInTransaction(
    sql,
    requests.map((request) => ({ write: [request], inTransaction: undefined })),
    'batch',
  );
  return results.map((r) => (r.ok ? { ok: true, entry: r.entries[0] as JournalEntry, replayed: r.replayed } : r));
}
