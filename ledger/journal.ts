import { DomainError, ErrorCode } from '../domain/errors';
import type { PageRequest } from '../domain/paging';
import { PgCode, pgConstraint, pgErrorCode, type Queryable, type Sql, type TransactionSql, whereAll } from './db';
import {
  type AccountFacts,
  availableDelta,
  creditProblem,
  debitProblem,
  existsWithDifferentFields,
  isMovement,
  type Leg,
  movementProblem,
  type NewRow,
  planEntry,
  sameFields,
} from './entryRules';
import { isRetryable, loadFacts, retryingTransient, storedError } from './facts';
import { accountLanes, type InTransaction } from './groupCommit';
import { countLedgerRetry } from './retryStats';
import type { EntryKind, EntryRequest, JournalEntry, MovementRequest } from './types';

export interface RecordOptions {
  /**
   * Runs inside the ledger's transaction after the entries are written, so a read model
   * commits together with the money (or not at all). Not run when the entries already existed.
   */
  inTransaction?: InTransaction;
  /**
   * false: never join a group commit (groupCommit.ts), always write alone. For measuring the
   * difference; every caller gets the same answers either way.
   */
  groupCommit?: boolean;
}

/**
 * Writes entries atomically: all of them with their balance changes, or none. Idempotent per
 * entry id: an id that exists with the same fields returns the stored entry; with other fields
 * it is EXISTS_WITH_DIFFERENT_FIELDS; a single entry refused on a business rule stays refused.
 */
export async function recordEntries(sql: Sql, requests: EntryRequest[], options: RecordOptions = {}): Promise<JournalEntry[]> {
  if (requests.length === 0) return [];
  const alone = () => recordAlone(sql, requests, options);
  if (options.groupCommit === false) return alone();
  return accountLanes(sql).record(requests, options.inTransaction, alone);
}

/** recordEntries in a transaction of its own. */
async function recordAlone(sql: Sql, requests: EntryRequest[], options: RecordOptions): Promise<JournalEntry[]> {
  const [only] = requests;
  if (requests.length === 1 && only && isMovement(only)) {
    const entry = await tryFastMovement(sql, only, options);
    if (entry) return [entry];
  }
  try {
    return await retryingTransient('journal', () => sql.begin((tx) => writeEntries(tx, requests, options)));
  } catch (error) {
    // A refused single entry stays refused under its id. A refused batch records nothing: which
    // of its entries is to blame is not defined (funds are checked on the batch's net effect).
    if (error instanceof Rejection && requests.length > 1) throw error.cause;
    if (error instanceof Rejection) {
      await sql`
        INSERT INTO ledger_rejections (id, code, message, metadata)
        VALUES (${error.entryId}, ${error.cause.code}, ${error.cause.message}, ${sql.json(error.cause.metadata)})
        ON CONFLICT (id) DO NOTHING`;
      throw error.cause;
    }
    if (pgErrorCode(error) === PgCode.CHECK_VIOLATION && pgConstraint(error) === 'client_available_not_negative') {
      throw new DomainError(ErrorCode.INSUFFICIENT_FUNDS, 'insufficient funds');
    }
    throw error;
  }
}

const TAKE_THE_CAREFUL_PATH = Symbol('take the careful path');

/**
 * The SQL side of entryRules' debitProblem/creditProblem, in the guarded UPDATE itself: a block
 * that commits while a posting waits for the row lock is seen when the UPDATE re-reads the row.
 */
const DEBITABLE = (tx: Queryable) => tx`(status = 'active' AND NOT client_blocked)`;
const CREDITABLE = (tx: Queryable) => tx`(status <> 'closed')`;

/**
 * The common case in the fewest round trips: one new movement between two active accounts of its
 * currency that can afford it. Its statements carry every condition of success in their WHERE
 * clauses; when any of them matches nothing (a repeated or refused id, a business rule) the
 * transaction rolls back and undefined sends the request down the careful path, which finds out
 * why and answers exactly as it always does.
 */
async function tryFastMovement(sql: Sql, request: MovementRequest, options: RecordOptions): Promise<JournalEntry | undefined> {
  if (request.amount <= 0n || request.debitAccountId === request.creditAccountId) return undefined;
  const { amount, currency } = request;
  try {
    return await sql.begin(async (tx) => {
      const posted = request.kind === 'posted';
      const debit = tx<{ id: string }[]>`
        UPDATE accounts SET
          debits_posted = debits_posted + ${posted ? amount : 0n}::bigint,
          debits_pending = debits_pending + ${posted ? 0n : amount}::bigint,
          updated_at = now()
        WHERE id = ${request.debitAccountId} AND currency = ${currency} AND ${DEBITABLE(tx)}
          AND (kind = 'internal' OR available >= ${amount}::bigint)
        RETURNING id`;
      const credit = tx<{ id: string }[]>`
        UPDATE accounts SET
          credits_posted = credits_posted + ${posted ? amount : 0n}::bigint,
          credits_pending = credits_pending + ${posted ? 0n : amount}::bigint,
          updated_at = now()
        WHERE id = ${request.creditAccountId} AND currency = ${currency} AND ${CREDITABLE(tx)}
        RETURNING id`;
      const insert = tx<JournalEntry[]>`
        INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency, payment_id, transfer_id, description,
                                     reversal_of)
        SELECT ${request.id}, ${request.kind}, ${request.debitAccountId}, ${request.creditAccountId}, ${amount}, ${currency},
               ${request.paymentId ?? null}, ${request.transferId ?? null}, ${request.description ?? null}, ${request.reversalOf ?? null}
        WHERE NOT EXISTS (SELECT 1 FROM ledger_rejections WHERE id = ${request.id})
        ON CONFLICT (id) DO NOTHING
        RETURNING *`;
      // Row locks in account id order, like every ledger write.
      const [first, second] = request.debitAccountId < request.creditAccountId ? [debit, credit] : [credit, debit];
      const [inserted, a, b] = await Promise.all([insert, first, second]);
      const entry = inserted[0];
      if (!entry || a.length === 0 || b.length === 0) throw TAKE_THE_CAREFUL_PATH;
      if (options.inTransaction) await options.inTransaction(tx, [entry]);
      return entry;
    });
  } catch (error) {
    // An unknown account fails the insert's foreign key: the careful path names it.
    if (isRetryable(error)) countLedgerRetry('fastPath', error);
    if (error === TAKE_THE_CAREFUL_PATH || isRetryable(error) || pgErrorCode(error) === PgCode.FOREIGN_KEY_VIOLATION) return undefined;
    throw error;
  }
}

export async function recordEntry(sql: Sql, request: EntryRequest, options: RecordOptions = {}): Promise<JournalEntry> {
  const [entry] = await recordEntries(sql, [request], options);
  if (!entry) throw new Error('recordEntries returned no entry');
  return entry;
}

/** A business-rule refusal of one entry, recorded under its id after the rollback. */
class Rejection extends Error {
  constructor(
    readonly entryId: string,
    override readonly cause: DomainError,
  ) {
    super(cause.message);
  }
}

async function writeEntries(tx: TransactionSql, requests: EntryRequest[], options: RecordOptions): Promise<JournalEntry[]> {
  const { existing, rejections, facts } = await loadFacts(tx, requests, { lockAccounts: false });
  if (existing.size > 0) {
    // A repeat: every entry must be there with the same fields (the first call was atomic).
    return requests.map((request) => {
      const entry = existing.get(request.id);
      if (!entry || !sameFields(request, entry, facts.pendingById)) throw existsWithDifferentFields(request.id);
      return entry;
    });
  }
  const refused = rejections.values().next().value;
  if (refused) throw storedError(refused);

  const rows: NewRow[] = [];
  const deltas = new Map<string, AccountDelta>();
  for (const request of requests) {
    const plan = planEntry(request, facts);
    if (!plan.ok) throw new Rejection(request.id, plan.error);
    rows.push(plan.row);
    for (const leg of plan.legs) {
      const d = deltas.get(leg.accountId) ?? { ...zeroLeg(leg.accountId), blame: request.id, debited: false, credited: false };
      // New money in or out (not a hold being resolved: work already confirmed finishes).
      if (isMovement(request)) {
        d.debited ||= leg.accountId === request.debitAccountId;
        d.credited ||= leg.accountId === request.creditAccountId;
      }
      d.debitsPending += leg.debitsPending;
      d.debitsPosted += leg.debitsPosted;
      d.creditsPending += leg.creditsPending;
      d.creditsPosted += leg.creditsPosted;
      deltas.set(leg.accountId, d);
    }
  }

  // Row locks are taken in account id order, so two writers can never deadlock on each other.
  const accountOrder = [...deltas.keys()].sort();
  const updates = accountOrder.map((accountId) => applyDelta(tx, deltas.get(accountId) as AccountDelta));
  const insert = tx<JournalEntry[]>`INSERT INTO journal_entries ${tx(rows)} RETURNING *`;
  const [inserted, ...updated] = await Promise.all([insert, ...updates]);
  const refusedAt = updated.findIndex((result) => result.length === 0);
  if (refusedAt >= 0) {
    const d = deltas.get(accountOrder[refusedAt] as string) as AccountDelta;
    throw new Rejection(d.blame, await whyRefused(tx, d));
  }
  const byId = new Map(inserted.map((e) => [e.id, e]));
  const entries = requests.map((r) => byId.get(r.id) as JournalEntry);
  if (options.inTransaction) await options.inTransaction(tx, entries);
  return entries;
}

const zeroLeg = (accountId: string): Leg => ({ accountId, debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n });

/** Throws the movementProblem of these parties, if any. */
export async function checkMovement(
  sql: Queryable,
  parties: Pick<MovementRequest, 'debitAccountId' | 'creditAccountId' | 'currency'>,
): Promise<void> {
  const ids = [parties.debitAccountId, parties.creditAccountId];
  const accounts = await sql<AccountFacts[]>`SELECT id, currency, status, client_blocked FROM accounts WHERE id = ANY(${ids}::uuid[])`;
  const problem = movementProblem(parties, new Map(accounts.map((a) => [a.id, a])));
  if (problem) throw problem;
}

/** How one account moves in a call, and whether new money leaves or enters it. */
type AccountDelta = Leg & { blame: string; debited: boolean; credited: boolean };

/** Why the guarded UPDATE of this account matched no row (it is locked by us now). */
async function whyRefused(tx: TransactionSql, d: AccountDelta): Promise<DomainError> {
  const [account] = await tx<AccountFacts[]>`SELECT id, currency, status, client_blocked FROM accounts WHERE id = ${d.accountId}`;
  const problem = account && ((d.debited && debitProblem(account)) || (d.credited && creditProblem(account)));
  if (problem) return new DomainError(problem.code, problem.message, { ...problem.metadata, entryId: d.blame });
  return new DomainError(ErrorCode.INSUFFICIENT_FUNDS, `insufficient funds on account ${d.accountId}`, {
    accountId: d.accountId,
    entryId: d.blame,
  });
}

/**
 * One guarded UPDATE per account: the change applies only while a client account stays at or
 * above zero available, and while the account may be debited or credited. No read-modify-write
 * in application code.
 */
function applyDelta(tx: TransactionSql, d: AccountDelta) {
  const delta = availableDelta(d);
  return tx<{ id: string }[]>`
    UPDATE accounts SET
      debits_pending  = debits_pending  + ${d.debitsPending}::bigint,
      debits_posted   = debits_posted   + ${d.debitsPosted}::bigint,
      credits_pending = credits_pending + ${d.creditsPending}::bigint,
      credits_posted  = credits_posted  + ${d.creditsPosted}::bigint,
      updated_at = now()
    WHERE id = ${d.accountId}
      AND ${d.debited ? DEBITABLE(tx) : tx`TRUE`}
      AND ${d.credited ? CREDITABLE(tx) : tx`TRUE`}
      AND (kind = 'internal'
           OR ${delta}::bigint >= 0
           OR available + ${delta}::bigint >= 0)
    RETURNING id`;
}

export async function getEntry(sql: Queryable, id: string): Promise<JournalEntry | undefined> {
  const [row] = await sql<[JournalEntry?]>`SELECT * FROM journal_entries WHERE id = ${id}`;
  return row;
}

export interface EntryFilter {
  accountId?: string;
  accountIds?: string[];
  paymentId?: string;
  transferId?: string;
  kind?: EntryKind;
  from?: Date;
  to?: Date;
}

/** Entries newest first, limit + 1 rows (see toPage). */
export async function listEntries(sql: Queryable, filter: EntryFilter, page: PageRequest): Promise<JournalEntry[]> {
  const limit = page.limit + 1;
  const where = whereAll(sql, [
    filter.accountIds !== undefined
      ? sql`(debit_account_id = ANY(${filter.accountIds}::uuid[]) OR credit_account_id = ANY(${filter.accountIds}::uuid[]))`
      : null,
    filter.paymentId !== undefined ? sql`payment_id = ${filter.paymentId}` : null,
    filter.transferId !== undefined ? sql`transfer_id = ${filter.transferId}` : null,
    filter.kind !== undefined ? sql`kind = ${filter.kind}` : null,
    filter.from !== undefined ? sql`created_at >= ${filter.from}` : null,
    filter.to !== undefined ? sql`created_at < ${filter.to}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  if (filter.accountId === undefined) {
    return sql<JournalEntry[]>`SELECT * FROM journal_entries WHERE ${where} ORDER BY seq DESC LIMIT ${limit}`;
  }
  // An account's statement: each side walks its own (account, seq) index backwards and stops
  // after one page, so a page costs the same with a thousand entries or a million (an OR would
  // collect and sort every entry of the account).
  return sql<JournalEntry[]>`
    SELECT * FROM (
      (SELECT * FROM journal_entries WHERE debit_account_id = ${filter.accountId} AND ${where} ORDER BY seq DESC LIMIT ${limit})
      UNION ALL
      (SELECT * FROM journal_entries WHERE credit_account_id = ${filter.accountId} AND ${where} ORDER BY seq DESC LIMIT ${limit})
    ) statement
    ORDER BY seq DESC LIMIT ${limit}`;
}

export async function entriesOfPayment(sql: Queryable, paymentId: string): Promise<JournalEntry[]> {
  return sql<JournalEntry[]>`SELECT * FROM journal_entries WHERE payment_id = ${paymentId} ORDER BY seq`;
}
