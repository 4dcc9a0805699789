import { DomainError, ErrorCode } from '../domain/errors';
import { derivedId } from '../domain/ids';
import type { Queryable, Sql, TransactionSql } from './db';
import { debitProblem } from './entryRules';
import { recordEntries } from './journal';
import type { JournalEntry } from './types';

/** Whose holds: a payment's or a transfer's (journal entries carry the id they were written for). */
export type HoldOwner = { paymentId: string } | { transferId: string };

/** The holds (pending entries nobody has posted or voided) written for one payment or transfer. */
export async function openHoldsOf(sql: Queryable, owner: HoldOwner): Promise<JournalEntry[]> {
  return sql<JournalEntry[]>`
    SELECT j.* FROM journal_entries j
    WHERE j.kind = 'pending'
      AND ${'paymentId' in owner ? sql`j.payment_id = ${owner.paymentId}` : sql`j.transfer_id = ${owner.transferId}`}
      AND NOT EXISTS (SELECT 1 FROM journal_entries r WHERE r.pending_id = j.id)
    ORDER BY j.seq`;
}

/** The void of a hold: one id per hold, so every attempt to release it writes the same entry. */
export const releaseIdOf = (pendingId: string) => derivedId('ledger-entry', 'release-hold', pendingId);

/** How many times a release looks again after another writer resolved a hold it had seen open. */
const RELEASE_ROUNDS = 3;

/**
 * Voids every hold the owner still has, whatever its id, and runs `inTransaction` (the read
 * model's final status) in the same transaction; with no hold left it runs alone.
 *
 * Compensation releases what the ledger holds, not what the workflow remembers writing: a step
 * whose hold reached the ledger while its answer was lost (a workflow task that never completed,
 * an update whose caller gave up) left a hold the workflow never learned of. Idempotent: a repeat
 * finds nothing open and only writes the status again.
 */
export async function releaseHoldsOf(
  sql: Sql,
  owner: HoldOwner,
  options: {
    inTransaction: (tx: TransactionSql) => Promise<unknown>;
    /** The void's id for a hold whose release has a name of its own (kept stable across versions). */
    knownVoidIds?: Map<string, string>;
  },
): Promise<void> {
  for (let round = 1; ; round++) {
    const holds = await openHoldsOf(sql, owner);
    if (holds.length === 0) {
      await sql.begin((tx) => options.inTransaction(tx));
      return;
    }
    try {
      await recordEntries(
        sql,
        holds.map((hold) => ({
          kind: 'void_pending' as const,
          id: options.knownVoidIds?.get(hold.id) ?? releaseIdOf(hold.id),
          pendingId: hold.id,
        })),
        { inTransaction: (tx) => options.inTransaction(tx) },
      );
      return;
    } catch (error) {
      // Resolved by another writer between the read and the write (an older attempt of this very
      // step, say): read again, and what is still open is released.
      const raced = error instanceof DomainError && error.code === ErrorCode.PENDING_ALREADY_RESOLVED;
      if (!raced || round >= RELEASE_ROUNDS) throw error;
    }
  }
}

/**
 * Refuses (CLIENT_BLOCKED / ACCOUNT_NOT_ACTIVE) when money may not leave the account now. Inside
 * a ledger transaction that has written to the account, its row is locked: a block that commits
 * meanwhile waits for this transaction, so the answer holds until the commit.
 */
export async function requireDebitable(sql: Queryable, accountId: string): Promise<void> {
  const [account] = await sql<[{ id: string; status: string; clientBlocked: boolean }?]>`
    SELECT id, status, client_blocked FROM accounts WHERE id = ${accountId}`;
  if (!account) throw new DomainError(ErrorCode.NOT_FOUND, `account ${accountId} not found`, { resource: 'account', id: accountId });
  const problem = debitProblem(account);
  if (problem) throw problem;
}
