import { PgCode, pgErrorCode } from './db';

/**
 * Why a ledger write ran again: a deadlock, a serialization failure, or a unique-violation race
 * (two writers of the same entry id, or two resolutions of the same hold).
 */
export type RetryReason = 'deadlock' | 'serialization' | 'uniqueViolation';

/**
 * Where: `journal` is recordEntries' retry loop, `fastPath` a single movement whose one-shot
 * transaction failed and that recordEntries then handed to decision.ts, `batch` recordBatch,
 * `group` a group commit of writes to a busy account (groupCommit.ts).
 */
export type RetrySite = 'journal' | 'fastPath' | 'batch' | 'group';

export type RetryCounts = Record<RetryReason, number>;

export interface LedgerRetryStats extends RetryCounts {
  bySite: Record<RetrySite, RetryCounts>;
}

const zero = (): RetryCounts => ({ deadlock: 0, serialization: 0, uniqueViolation: 0 });

let stats: LedgerRetryStats = { ...zero(), bySite: { journal: zero(), fastPath: zero(), batch: zero(), group: zero() } };

export function retryReason(error: unknown): RetryReason {
  const code = pgErrorCode(error);
  if (code === PgCode.DEADLOCK_DETECTED) return 'deadlock';
  if (code === PgCode.SERIALIZATION_FAILURE) return 'serialization';
  return 'uniqueViolation';
}

/** Counts one retry of a retryable error (see isRetryable in transientRetry.ts). */
export function countLedgerRetry(site: RetrySite, error: unknown): void {
  const reason = retryReason(error);
  stats[reason] += 1;
  stats.bySite[site][reason] += 1;
}

/**
 * The retries of this process since it started (or since resetLedgerRetryStats), a copy.
 * The ledger retries these errors silently, so without this a test cannot tell "no deadlock"
 * from "deadlocked and retried".
 */
export function ledgerRetryStats(): LedgerRetryStats {
  return {
    ...stats,
    bySite: {
      journal: { ...stats.bySite.journal },
      fastPath: { ...stats.bySite.fastPath },
      batch: { ...stats.bySite.batch },
      group: { ...stats.bySite.group },
    },
  };
}

export function resetLedgerRetryStats(): void {
  stats = { ...zero(), bySite: { journal: zero(), fastPath: zero(), batch: zero(), group: zero() } };
}
