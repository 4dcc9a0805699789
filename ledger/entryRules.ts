import assert from 'node:assert/strict';
import type { Currency } from '../domain/currency';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Queryable } from './db';
import type { EntryRequest, JournalEntry, MovementRequest } from './types';

/**
 * The rules of one ledger entry, pure: decision.ts applies them to every write. Where the fast
 * path (journal.ts) states a rule in SQL instead, the SQL stands here beside the rule it renders,
 * and test/integration/fastPath.test.ts proves both give the same answers.
 */

export const isMovement = (r: EntryRequest): r is MovementRequest => r.kind === 'posted' || r.kind === 'pending';

/** What the rules need to know about an account. */
export interface AccountState {
  id: string;
  currency: Currency;
  status: string;
  /** The account's client is blocked: no debits (credits still land). */
  clientBlocked: boolean;
  /** Set when the account was read under a row lock (batches check funds in memory). */
  kind?: 'client' | 'internal';
  available?: bigint;
}

/** The accounts and holds (pending entries) that requests touch, as read before deciding them. */
export interface AccountsAndHolds {
  accountById: Map<string, AccountState>;
  pendingById: Map<string, JournalEntry>;
  /** Pending ids already resolved, including by writes decided earlier in the same transaction. */
  resolvedPendingIds: Set<string>;
}

/** How one entry changes one account's counters. */
export interface Leg {
  accountId: string;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

export type NewRow = Omit<JournalEntry, 'seq' | 'createdAt'>;

/** `resolves`: the hold this entry posts or voids (null for a movement). */
export type EntryPlan = { ok: true; row: NewRow; legs: [Leg, Leg]; resolves: string | null } | { ok: false; error: DomainError };

/** How much a leg changes what the account can spend (credits_pending does not count). */
export const availableDelta = (leg: Leg) => leg.creditsPosted - leg.debitsPosted - leg.debitsPending;

/**
 * The funds rule: a client account may not go below zero available; an internal account may;
 * money coming in always lands. `account.available` must have been read under the row lock.
 */
export function affordable(account: AccountState | undefined, leg: Leg): boolean {
  const delta = availableDelta(leg);
  if (delta >= 0n || account?.kind !== 'client') return true;
  assert(account.available !== undefined, `account ${account.id} was read without its available balance`);
  return account.available + delta >= 0n;
}

/** The funds rule for a debit of `amount`, as the fast path's guarded UPDATE states it. */
export const AFFORDABLE_SQL = (tx: Queryable, amount: bigint) => tx`(kind = 'internal' OR available >= ${amount}::bigint)`;

type MovementParties = Pick<MovementRequest, 'debitAccountId' | 'creditAccountId' | 'currency'>;

/**
 * Why money may not move between these accounts, or undefined: used by the write paths and by
 * the API before it creates a draft that moves nothing yet.
 */
export function movementProblem(parties: MovementParties, accountById: ReadonlyMap<string, AccountState>): DomainError | undefined {
  if (parties.debitAccountId === parties.creditAccountId) {
    return new DomainError(ErrorCode.SAME_ACCOUNT, 'debit and credit account are the same');
  }
  for (const side of ['debit', 'credit'] as const) {
    const accountId = side === 'debit' ? parties.debitAccountId : parties.creditAccountId;
    const account = accountById.get(accountId);
    if (!account) return new DomainError(ErrorCode.NOT_FOUND, `account ${accountId} not found`, { resource: 'account', id: accountId });
    if (account.currency !== parties.currency) {
      return new DomainError(ErrorCode.CURRENCY_MISMATCH, `account ${accountId} is in ${account.currency}, not ${parties.currency}`, {
        accountId,
      });
    }
    const problem = side === 'debit' ? debitProblem(account) : creditProblem(account);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * docs/api.md: a blocked client's accounts and a blocked account refuse debits; a closed account
 * refuses debits and credits. DEBITABLE_SQL and CREDITABLE_SQL state the same for the fast path.
 */
export function debitProblem(account: Pick<AccountState, 'id' | 'status' | 'clientBlocked'>): DomainError | undefined {
  if (account.clientBlocked)
    return new DomainError(ErrorCode.CLIENT_BLOCKED, `the client of account ${account.id} is blocked`, { accountId: account.id });
  if (account.status !== 'active') {
    return new DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, `account ${account.id} is ${account.status}`, { accountId: account.id });
  }
  return undefined;
}

export function creditProblem(account: Pick<AccountState, 'id' | 'status'>): DomainError | undefined {
  if (account.status === 'closed')
    return new DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, `account ${account.id} is closed`, { accountId: account.id });
  return undefined;
}

/** debitProblem finds nothing (in SQL, on the row an UPDATE has locked). */
export const DEBITABLE_SQL = (tx: Queryable) => tx`(status = 'active' AND NOT client_blocked)`;
/** creditProblem finds nothing (in SQL, on the row an UPDATE has locked). */
export const CREDITABLE_SQL = (tx: Queryable) => tx`(status <> 'closed')`;

const refuse = (request: EntryRequest, code: ErrorCode, message: string, metadata: Record<string, string> = {}): EntryPlan => ({
  ok: false,
  error: new DomainError(code, message, { ...metadata, entryId: request.id }),
});

const NONE: ReadonlySet<string> = new Set();

/**
 * The rules of one entry, without the funds check (decision.ts makes it on the net effect of a
 * caller's entries): the row to insert and how it moves both accounts' counters. Pure: it reads
 * `state` and changes nothing; `resolvedInThisWrite` holds the holds that entries planned before
 * it in the same write resolve (a second resolution of a hold is refused).
 */
export function planEntry(
  request: EntryRequest,
  state: Readonly<AccountsAndHolds>,
  resolvedInThisWrite: ReadonlySet<string> = NONE,
): EntryPlan {
  if (isMovement(request)) {
    if (request.amount <= 0n) return refuse(request, ErrorCode.VALIDATION_ERROR, 'amount must be positive', { field: 'amount' });
    const problem = movementProblem(request, state.accountById);
    if (problem) return { ok: false, error: new DomainError(problem.code, problem.message, { ...problem.metadata, entryId: request.id }) };
    return { ok: true, row: movementRow(request), legs: movementLegs(request), resolves: null };
  }

  const pending = state.pendingById.get(request.pendingId);
  if (pending?.kind !== 'pending') {
    return refuse(request, ErrorCode.NOT_FOUND, `pending entry ${request.pendingId} not found`, { pendingId: request.pendingId });
  }
  if (state.resolvedPendingIds.has(pending.id) || resolvedInThisWrite.has(pending.id)) {
    return refuse(request, ErrorCode.PENDING_ALREADY_RESOLVED, `pending entry ${pending.id} is already resolved`, {
      pendingId: pending.id,
    });
  }
  const amount = request.kind === 'void_pending' ? pending.amount : (request.amount ?? pending.amount);
  if (amount <= 0n) return refuse(request, ErrorCode.VALIDATION_ERROR, 'amount must be positive', { field: 'amount' });
  if (amount > pending.amount) {
    return refuse(request, ErrorCode.AMOUNT_EXCEEDS_PENDING, `cannot post more than the pending ${pending.amount}`, {
      pendingId: pending.id,
    });
  }
  const posted = request.kind === 'post_pending' ? amount : 0n;
  // The whole hold is released; the posted part (if any) moves for good.
  const legs: [Leg, Leg] = [
    { accountId: pending.debitAccountId, debitsPending: -pending.amount, debitsPosted: posted, creditsPending: 0n, creditsPosted: 0n },
    { accountId: pending.creditAccountId, debitsPending: 0n, debitsPosted: 0n, creditsPending: -pending.amount, creditsPosted: posted },
  ];
  assertDoubleEntry(legs);
  return {
    ok: true,
    row: {
      id: request.id,
      kind: request.kind,
      debitAccountId: pending.debitAccountId,
      creditAccountId: pending.creditAccountId,
      amount,
      currency: pending.currency,
      pendingId: pending.id,
      paymentId: request.paymentId ?? pending.paymentId,
      transferId: request.transferId ?? pending.transferId,
      description: request.description ?? pending.description,
      reversalOf: null,
    },
    legs,
    resolves: pending.id,
  };
}

/**
 * The row a new movement inserts; the fast path inserts the same. Written field by field, not
 * spread from a shared object: a batch plans thousands of entries, and V8 spread a small object
 * here at 50 times the cost of a literal (measured).
 */
export function movementRow(request: MovementRequest): NewRow {
  return {
    id: request.id,
    kind: request.kind,
    debitAccountId: request.debitAccountId,
    creditAccountId: request.creditAccountId,
    amount: request.amount,
    currency: request.currency,
    pendingId: null,
    paymentId: request.paymentId ?? null,
    transferId: request.transferId ?? null,
    description: request.description ?? null,
    reversalOf: request.reversalOf ?? null,
  };
}

/** How a new movement changes its two accounts; the fast path's UPDATEs add the same. */
export function movementLegs(request: MovementRequest): [Leg, Leg] {
  const { amount } = request;
  assert(amount > 0n, `movement ${request.id} of a non-positive amount reached the ledger's arithmetic`);
  const posted = request.kind === 'posted';
  const legs: [Leg, Leg] = [
    {
      accountId: request.debitAccountId,
      debitsPending: posted ? 0n : amount,
      debitsPosted: posted ? amount : 0n,
      creditsPending: 0n,
      creditsPosted: 0n,
    },
    {
      accountId: request.creditAccountId,
      debitsPending: 0n,
      debitsPosted: 0n,
      creditsPending: posted ? 0n : amount,
      creditsPosted: posted ? amount : 0n,
    },
  ];
  assertDoubleEntry(legs);
  return legs;
}

/** Double entry: what one leg debits (pending and posted) the other credits, to the unit. */
function assertDoubleEntry([debit, credit]: [Leg, Leg]): void {
  assert(
    debit.debitsPending === credit.creditsPending &&
      debit.debitsPosted === credit.creditsPosted &&
      debit.creditsPending === 0n &&
      debit.creditsPosted === 0n &&
      credit.debitsPending === 0n &&
      credit.debitsPosted === 0n,
    'an entry whose two legs do not mirror each other',
  );
}

/** True when a stored entry is what the request asks for: the answer to a repeated request. */
export function sameFields(request: EntryRequest, entry: JournalEntry, pendingById: ReadonlyMap<string, JournalEntry>): boolean {
  if (request.kind !== entry.kind) return false;
  if (isMovement(request)) {
    return (
      request.debitAccountId === entry.debitAccountId &&
      request.creditAccountId === entry.creditAccountId &&
      request.amount === entry.amount &&
      request.currency === entry.currency
    );
  }
  if (request.pendingId !== entry.pendingId) return false;
  const pendingAmount = pendingById.get(request.pendingId)?.amount;
  const expected = request.kind === 'void_pending' ? pendingAmount : (request.amount ?? pendingAmount);
  return expected === entry.amount;
}

export function existsWithDifferentFields(entryId: string): DomainError {
  return new DomainError(ErrorCode.EXISTS_WITH_DIFFERENT_FIELDS, `entry ${entryId} exists with different fields`, { entryId });
}
