import { PgCode, pgConstraint, pgErrorCode } from './db';
import { countLedgerRetry, type RetrySite } from './retryStats';

/** A deadlock, or a concurrent writer of the same id that won: the retry then sees the winner. */
export function isRetryable(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code === PgCode.DEADLOCK_DETECTED || code === PgCode.SERIALIZATION_FAILURE) return true;
  const constraint = pgConstraint(error);
  return code === PgCode.UNIQUE_VIOLATION && (constraint === 'journal_entries_pkey' || constraint === 'journal_pending_resolved_once');
}

/** How many times a write runs in all while it keeps meeting a deadlock or a racing writer. */
const MAX_ATTEMPTS = 5;

/**
 * Runs a ledger transaction again while it fails on a retryable error (the retry then sees the
 * winner), at most MAX_ATTEMPTS times in all, counting each retry under `site`; any other error,
 * or the last one, is thrown.
 */
export async function retryingTransient<T>(site: RetrySite, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      countLedgerRetry(site, error);
    }
  }
}
