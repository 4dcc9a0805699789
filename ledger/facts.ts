import { DomainError, type ErrorCode, type ErrorMetadata } from '../domain/errors';
import { PgCode, pgConstraint, pgErrorCode, type TransactionSql } from './db';
import { type AccountFacts, type EntryFacts, isMovement } from './entryRules';
import { countLedgerRetry, type RetrySite } from './retryStats';
import type { EntryRequest, JournalEntry, ResolutionRequest } from './types';

/** What every write path reads before it decides: stored entries, refusals, accounts, holds. */

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

export interface StoredRejection {
  id: string;
  code: ErrorCode;
  message: string;
  metadata: ErrorMetadata;
}

export interface LoadedFacts {
  existing: Map<string, JournalEntry>;
  rejections: Map<string, StoredRejection>;
  facts: EntryFacts;
}

/**
 * Everything the rules need about the requests, in one pipelined round trip: stored entries and
 * refusals under their ids, the accounts and the pending entries they touch. With
 * `lockAccounts`, every touched account (those of resolved holds too) is locked in id order, with
 * the lock an UPDATE takes (NO KEY UPDATE): a FOR UPDATE would also wait on the KEY SHARE lock each
 * journal insert takes on its accounts through the foreign keys, and a writer that inserts before
 * it updates (the fast and careful paths) then closed a deadlock cycle with it (measured: 48
 * deadlock retries in 120 concurrent writes to two accounts; none with NO KEY UPDATE).
 */
export async function loadFacts(tx: TransactionSql, requests: EntryRequest[], options: { lockAccounts: boolean }): Promise<LoadedFacts> {
  const ids = requests.map((r) => r.id);
  const accountIds = [...new Set(requests.filter(isMovement).flatMap((m) => [m.debitAccountId, m.creditAccountId]))];
  const pendingIds = requests.filter((r): r is ResolutionRequest => !isMovement(r)).map((r) => r.pendingId);
  const none = <T>() => Promise.resolve([] as T[]);
  const [existing, rejections, accounts, pendings, resolved] = await Promise.all([
    tx<JournalEntry[]>`SELECT * FROM journal_entries WHERE id = ANY(${ids}::uuid[])`,
    tx<StoredRejection[]>`SELECT id, code, message, metadata FROM ledger_rejections WHERE id = ANY(${ids}::uuid[])`,
    options.lockAccounts
      ? tx<AccountFacts[]>`
          SELECT id, currency, status, client_blocked, kind, available
          FROM accounts
          WHERE id = ANY(${accountIds}::uuid[])
             OR id IN (SELECT debit_account_id FROM journal_entries WHERE id = ANY(${pendingIds}::uuid[]))
             OR id IN (SELECT credit_account_id FROM journal_entries WHERE id = ANY(${pendingIds}::uuid[]))
          ORDER BY id FOR NO KEY UPDATE`
      : accountIds.length > 0
        ? tx<AccountFacts[]>`SELECT id, currency, status, client_blocked FROM accounts WHERE id = ANY(${accountIds}::uuid[])`
        : none<AccountFacts>(),
    pendingIds.length > 0 ? tx<JournalEntry[]>`SELECT * FROM journal_entries WHERE id = ANY(${pendingIds}::uuid[])` : none<JournalEntry>(),
    pendingIds.length > 0
      ? tx<{ pendingId: string }[]>`SELECT pending_id FROM journal_entries WHERE pending_id = ANY(${pendingIds}::uuid[])`
      : none<{ pendingId: string }>(),
  ]);
  return {
    existing: new Map(existing.map((e) => [e.id, e])),
    rejections: new Map(rejections.map((r) => [r.id, r])),
    facts: {
      accountById: new Map(accounts.map((a) => [a.id, a])),
      pendingById: new Map(pendings.map((p) => [p.id, p])),
      resolvedPendingIds: new Set(resolved.map((r) => r.pendingId)),
    },
  };
}

export const storedError = (r: StoredRejection) => new DomainError(r.code, r.message, r.metadata);
