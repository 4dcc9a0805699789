import type { PageRequest } from '../domain/paging';
import { PgCode, pgErrorCode, type Queryable, type Sql, whereAll } from './db';
import { decideInTransaction, type InTransaction, ReadModelFailed } from './decision';
import {
  type AccountState,
  AFFORDABLE_SQL,
  CREDITABLE_SQL,
  DEBITABLE_SQL,
  isMovement,
  movementLegs,
  movementProblem,
  movementRow,
} from './entryRules';
import { accountLanes } from './groupCommit';
import { countLedgerRetry } from './retryStats';
import { isRetryable } from './transientRetry';
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
  /**
   * false: skip the fast path, every write is decided by decision.ts. For the test that proves
   * both give the same answers and write the same journal (test/integration/fastPath.test.ts).
   */
  fastPath?: boolean;
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

/** recordEntries in a transaction of its own: the fast path when it applies, else decision.ts. */
async function recordAlone(sql: Sql, requests: EntryRequest[], options: RecordOptions): Promise<JournalEntry[]> {
  const [only] = requests;
  if (options.fastPath !== false && requests.length === 1 && only && isMovement(only)) {
    const entry = await tryFastMovement(sql, only, options.inTransaction);
    if (entry) return [entry];
  }
  try {
    const [outcome] = await decideInTransaction(sql, [{ write: requests, inTransaction: options.inTransaction }], 'journal');
    if (!outcome) throw new Error('decideInTransaction returned no outcome');
    if (!outcome.ok) throw outcome.error;
    return outcome.entries;
  } catch (error) {
    // Alone, a failing read model is its caller's own error.
    throw error instanceof ReadModelFailed ? error.cause : error;
  }
}

const NOT_THE_COMMON_CASE = Symbol('not the common case');

let fastPathCount = 0;

/** Writes the fast path made in this process: the test proving it equal shows it was taken. */
export const fastPathWrites = () => fastPathCount;

/**
 * The common case in the fewest round trips: one new movement between two accounts of its
 * currency that may be debited and credited, and whose debit is covered. Not a second decision:
 * it writes exactly decision.ts's row and counter changes (entryRules.ts movementRow,
 * movementLegs), and its statements carry the conditions under which decision.ts accepts a new
 * movement (entryRules.ts DEBITABLE_SQL, CREDITABLE_SQL, AFFORDABLE_SQL; the id neither written
 * nor refused before) in their WHERE clauses, evaluated on the rows the UPDATEs lock. When any of
 * them matches nothing the transaction rolls back and undefined hands the request to decision.ts,
 * which finds out why and answers.
 */
async function tryFastMovement(
  sql: Sql,
  request: MovementRequest,
  inTransaction: InTransaction | undefined,
): Promise<JournalEntry | undefined> {
  if (request.amount <= 0n || request.debitAccountId === request.creditAccountId) return undefined;
  const row = movementRow(request);
  const [debitLeg, creditLeg] = movementLegs(request);
  try {
    const written = await sql.begin(async (tx) => {
      const debit = tx<{ id: string }[]>`
        UPDATE accounts SET
          debits_posted = debits_posted + ${debitLeg.debitsPosted}::bigint,
          debits_pending = debits_pending + ${debitLeg.debitsPending}::bigint,
          updated_at = now()
        WHERE id = ${row.debitAccountId} AND currency = ${row.currency} AND ${DEBITABLE_SQL(tx)} AND ${AFFORDABLE_SQL(tx, row.amount)}
        RETURNING id`;
      const credit = tx<{ id: string }[]>`
        UPDATE accounts SET
          credits_posted = credits_posted + ${creditLeg.creditsPosted}::bigint,
          credits_pending = credits_pending + ${creditLeg.creditsPending}::bigint,
          updated_at = now()
        WHERE id = ${row.creditAccountId} AND currency = ${row.currency} AND ${CREDITABLE_SQL(tx)}
        RETURNING id`;
      const insert = tx<JournalEntry[]>`
        INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency, payment_id, transfer_id, description,
                                     reversal_of)
        SELECT ${row.id}, ${row.kind}, ${row.debitAccountId}, ${row.creditAccountId}, ${row.amount}, ${row.currency},
               ${row.paymentId}, ${row.transferId}, ${row.description}, ${row.reversalOf ?? null}
        WHERE NOT EXISTS (SELECT 1 FROM ledger_rejections WHERE id = ${row.id})
        ON CONFLICT (id) DO NOTHING
        RETURNING *`;
      // Row locks in account id order, like every ledger write.
      const [first, second] = row.debitAccountId < row.creditAccountId ? [debit, credit] : [credit, debit];
      const [inserted, a, b] = await Promise.all([insert, first, second]);
      const entry = inserted[0];
      if (!entry || a.length === 0 || b.length === 0) throw NOT_THE_COMMON_CASE;
      if (inTransaction) await inTransaction(tx, [entry]);
      return entry;
    });
    fastPathCount += 1;
    return written;
  } catch (error) {
    // An unknown account fails the insert's foreign key: decision.ts names it.
    if (isRetryable(error)) countLedgerRetry('fastPath', error);
    if (error === NOT_THE_COMMON_CASE || isRetryable(error) || pgErrorCode(error) === PgCode.FOREIGN_KEY_VIOLATION) return undefined;
    throw error;
  }
}

export async function recordEntry(sql: Sql, request: EntryRequest, options: RecordOptions = {}): Promise<JournalEntry> {
  const [entry] = await recordEntries(sql, [request], options);
  if (!entry) throw new Error('recordEntries returned no entry');
  return entry;
}

/** Throws the movementProblem of these parties, if any. */
export async function checkMovement(
  sql: Queryable,
  parties: Pick<MovementRequest, 'debitAccountId' | 'creditAccountId' | 'currency'>,
): Promise<void> {
  const ids = [parties.debitAccountId, parties.creditAccountId];
  const accounts = await sql<AccountState[]>`SELECT id, currency, status, client_blocked FROM accounts WHERE id = ANY(${ids}::uuid[])`;
  const problem = movementProblem(parties, new Map(accounts.map((a) => [a.id, a])));
  if (problem) throw problem;
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
