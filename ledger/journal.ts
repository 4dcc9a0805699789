import type { Currency } from '../domain/currency';
import { DomainError, ErrorCode, type ErrorMetadata } from '../domain/errors';
import type { PageRequest } from '../domain/paging';
import { PgCode, pgConstraint, pgErrorCode, type Queryable, type Sql, type TransactionSql, whereAll } from './db';

export type EntryKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';

/** One immutable row of the journal. */
export interface JournalEntry {
  id: string;
  seq: bigint;
  kind: EntryKind;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: Currency;
  pendingId: string | null;
  paymentId: string | null;
  transferId: string | null;
  description: string | null;
  createdAt: Date;
}

interface EntryLinks {
  paymentId?: string | null;
  transferId?: string | null;
  description?: string | null;
}

/** A money movement: moves at once (`posted`) or holds the amount (`pending`). */
export interface MovementRequest extends EntryLinks {
  kind: 'posted' | 'pending';
  /** Chosen by the caller; activities derive it from the workflow id and step. */
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: Currency;
}

/** Settles a pending entry (`amount` defaults to all of it; the rest is released) or voids it. */
export interface ResolutionRequest extends EntryLinks {
  kind: 'post_pending' | 'void_pending';
  id: string;
  pendingId: string;
  amount?: bigint;
}

export type EntryRequest = MovementRequest | ResolutionRequest;

export const isMovement = (r: EntryRequest): r is MovementRequest => r.kind === 'posted' || r.kind === 'pending';

export interface RecordOptions {
  /**
   * Runs inside the ledger's transaction after the entries are written, so a read model
   * commits together with the money (or not at all). Not run when the entries already existed.
   */
  inTransaction?: (tx: TransactionSql, entries: JournalEntry[]) => Promise<unknown>;
}

// Concurrent writers of the same id, or a deadlock, end in a retry that then sees the winner.
const MAX_ATTEMPTS = 5;

/**
 * Writes entries atomically: all of them with their balance changes, or none. Idempotent per
 * entry id: an id that exists with the same fields returns the stored entry; with other fields
 * it is EXISTS_WITH_DIFFERENT_FIELDS; a single entry refused on a business rule stays refused.
 */
export async function recordEntries(sql: Sql, requests: EntryRequest[], options: RecordOptions = {}): Promise<JournalEntry[]> {
  if (requests.length === 0) return [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await sql.begin((tx) => writeEntries(tx, requests, options));
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
      if (attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
      if (pgErrorCode(error) === PgCode.CHECK_VIOLATION && pgConstraint(error) === 'client_available_not_negative') {
        throw new DomainError(ErrorCode.INSUFFICIENT_FUNDS, 'insufficient funds');
      }
      throw error;
    }
  }
}

export async function recordEntry(sql: Sql, request: EntryRequest, options: RecordOptions = {}): Promise<JournalEntry> {
  const [entry] = await recordEntries(sql, [request], options);
  if (!entry) throw new Error('recordEntries returned no entry');
  return entry;
}

function isRetryable(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code === PgCode.DEADLOCK_DETECTED || code === PgCode.SERIALIZATION_FAILURE) return true;
  const constraint = pgConstraint(error);
  return code === PgCode.UNIQUE_VIOLATION && (constraint === 'journal_entries_pkey' || constraint === 'journal_pending_resolved_once');
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

function reject(entryId: string, code: ErrorCode, message: string, metadata: ErrorMetadata = {}): never {
  throw new Rejection(entryId, new DomainError(code, message, { ...metadata, entryId }));
}

const withEntryId = (error: DomainError, entryId: string) => new DomainError(error.code, error.message, { ...error.metadata, entryId });

interface AccountFacts {
  id: string;
  currency: Currency;
  status: string;
}

interface CounterDelta {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
  /** Which entry to blame if the account cannot afford the change. */
  firstDebitEntryId: string;
}

type NewRow = Omit<JournalEntry, 'seq' | 'createdAt'>;

async function writeEntries(tx: TransactionSql, requests: EntryRequest[], options: RecordOptions): Promise<JournalEntry[]> {
  const ids = requests.map((r) => r.id);
  const movements = requests.filter(isMovement);
  const resolutions = requests.filter((r): r is ResolutionRequest => !isMovement(r));
  const accountIds = [...new Set(movements.flatMap((m) => [m.debitAccountId, m.creditAccountId]))];
  const pendingIds = resolutions.map((r) => r.pendingId);

  // Everything the checks need, in one pipelined round trip.
  const [existing, rejections, accounts, pendings, resolved] = await Promise.all([
    tx<JournalEntry[]>`SELECT * FROM journal_entries WHERE id = ANY(${ids}::uuid[])`,
    tx<{ id: string; code: ErrorCode; message: string; metadata: ErrorMetadata }[]>`
      SELECT id, code, message, metadata FROM ledger_rejections WHERE id = ANY(${ids}::uuid[])`,
    accountIds.length > 0
      ? tx<AccountFacts[]>`SELECT id, currency, status FROM accounts WHERE id = ANY(${accountIds}::uuid[])`
      : Promise.resolve([] as AccountFacts[]),
    pendingIds.length > 0
      ? tx<JournalEntry[]>`SELECT * FROM journal_entries WHERE id = ANY(${pendingIds}::uuid[])`
      : Promise.resolve([] as JournalEntry[]),
    pendingIds.length > 0
      ? tx<{ pendingId: string }[]>`SELECT pending_id FROM journal_entries WHERE pending_id = ANY(${pendingIds}::uuid[])`
      : Promise.resolve([] as { pendingId: string }[]),
  ]);

  if (existing.length > 0) return replay(requests, existing, pendings);
  const refused = rejections[0];
  if (refused) throw new DomainError(refused.code, refused.message, refused.metadata);

  const accountById = new Map(accounts.map((a) => [a.id, a]));
  const pendingById = new Map(pendings.map((p) => [p.id, p]));
  const alreadyResolved = new Set(resolved.map((r) => r.pendingId));
  const rows: NewRow[] = [];
  const deltas = new Map<string, CounterDelta>();
  const delta = (accountId: string, entryId: string) => {
    let d = deltas.get(accountId);
    if (!d) {
      d = { debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n, firstDebitEntryId: entryId };
      deltas.set(accountId, d);
    }
    return d;
  };

  for (const request of requests) {
    if (isMovement(request)) {
      if (request.amount <= 0n) throw new DomainError(ErrorCode.VALIDATION_ERROR, 'amount must be positive', { field: 'amount' });
      const problem = movementProblem(request, accountById);
      if (problem) throw new Rejection(request.id, withEntryId(problem, request.id));
      rows.push({
        ...links(request),
        id: request.id,
        kind: request.kind,
        debitAccountId: request.debitAccountId,
        creditAccountId: request.creditAccountId,
        amount: request.amount,
        currency: request.currency,
        pendingId: null,
      });
      const debit = delta(request.debitAccountId, request.id);
      const credit = delta(request.creditAccountId, request.id);
      if (request.kind === 'posted') {
        debit.debitsPosted += request.amount;
        credit.creditsPosted += request.amount;
      } else {
        debit.debitsPending += request.amount;
        credit.creditsPending += request.amount;
      }
    } else {
      const pending = pendingById.get(request.pendingId);
      if (pending?.kind !== 'pending') {
        reject(request.id, ErrorCode.NOT_FOUND, `pending entry ${request.pendingId} not found`, { pendingId: request.pendingId });
      }
      if (alreadyResolved.has(pending.id)) {
        reject(request.id, ErrorCode.PENDING_ALREADY_RESOLVED, `pending entry ${pending.id} is already resolved`, {
          pendingId: pending.id,
        });
      }
      alreadyResolved.add(pending.id);
      const amount = request.kind === 'void_pending' ? pending.amount : (request.amount ?? pending.amount);
      if (amount <= 0n) throw new DomainError(ErrorCode.VALIDATION_ERROR, 'amount must be positive', { field: 'amount' });
      if (amount > pending.amount) {
        reject(request.id, ErrorCode.AMOUNT_EXCEEDS_PENDING, `cannot post more than the pending ${pending.amount}`, {
          pendingId: pending.id,
        });
      }
      rows.push({
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
      });
      const debit = delta(pending.debitAccountId, request.id);
      const credit = delta(pending.creditAccountId, request.id);
      debit.debitsPending -= pending.amount;
      credit.creditsPending -= pending.amount;
      if (request.kind === 'post_pending') {
        debit.debitsPosted += amount;
        credit.creditsPosted += amount;
      }
    }
  }

  // Row locks are taken in account id order, so two writers can never deadlock on each other.
  const accountOrder = [...deltas.keys()].sort();
  const updates = accountOrder.map((accountId) => applyDelta(tx, accountId, deltas.get(accountId) as CounterDelta));
  const insert = tx<JournalEntry[]>`INSERT INTO journal_entries ${tx(rows)} RETURNING *`;
  const [inserted, ...updated] = await Promise.all([insert, ...updates]);
  updated.forEach((rows, i) => {
    if (rows.length === 0) {
      const accountId = accountOrder[i] as string;
      const d = deltas.get(accountId) as CounterDelta;
      reject(d.firstDebitEntryId, ErrorCode.INSUFFICIENT_FUNDS, `insufficient funds on account ${accountId}`, { accountId });
    }
  });
  const byId = new Map(inserted.map((e) => [e.id, e]));
  const entries = ids.map((id) => byId.get(id) as JournalEntry);
  if (options.inTransaction) await options.inTransaction(tx, entries);
  return entries;
}

function links(request: EntryLinks) {
  return {
    paymentId: request.paymentId ?? null,
    transferId: request.transferId ?? null,
    description: request.description ?? null,
  };
}

type MovementParties = Pick<MovementRequest, 'debitAccountId' | 'creditAccountId' | 'currency'>;

/**
 * Why money may not move between these accounts, or undefined: the one place for these rules,
 * used by the write path and by the API before it creates a draft that moves nothing yet.
 */
export function movementProblem(parties: MovementParties, accountById: Map<string, AccountFacts>): DomainError | undefined {
  if (parties.debitAccountId === parties.creditAccountId) {
    return new DomainError(ErrorCode.SAME_ACCOUNT, 'debit and credit account are the same');
  }
  for (const accountId of [parties.debitAccountId, parties.creditAccountId]) {
    const account = accountById.get(accountId);
    if (!account) return new DomainError(ErrorCode.NOT_FOUND, `account ${accountId} not found`, { resource: 'account', id: accountId });
    if (account.currency !== parties.currency) {
      return new DomainError(ErrorCode.CURRENCY_MISMATCH, `account ${accountId} is in ${account.currency}, not ${parties.currency}`, {
        accountId,
      });
    }
    if (account.status !== 'active') {
      return new DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, `account ${accountId} is ${account.status}`, { accountId });
    }
  }
  return undefined;
}

/** Throws the movementProblem of these parties, if any. */
export async function checkMovement(sql: Queryable, parties: MovementParties): Promise<void> {
  const ids = [parties.debitAccountId, parties.creditAccountId];
  const accounts = await sql<AccountFacts[]>`SELECT id, currency, status FROM accounts WHERE id = ANY(${ids}::uuid[])`;
  const problem = movementProblem(parties, new Map(accounts.map((a) => [a.id, a])));
  if (problem) throw problem;
}

/**
 * One guarded UPDATE per account: the change applies only while a client account stays at or
 * above zero available. No read-modify-write in application code.
 */
function applyDelta(tx: TransactionSql, accountId: string, d: CounterDelta) {
  const availableDelta = d.creditsPosted - d.debitsPosted - d.debitsPending;
  return tx<{ id: string }[]>`
    UPDATE accounts SET
      debits_pending  = debits_pending  + ${d.debitsPending}::bigint,
      debits_posted   = debits_posted   + ${d.debitsPosted}::bigint,
      credits_pending = credits_pending + ${d.creditsPending}::bigint,
      credits_posted  = credits_posted  + ${d.creditsPosted}::bigint,
      updated_at = now()
    WHERE id = ${accountId}
      AND (kind = 'internal'
           OR ${availableDelta}::bigint >= 0
           OR credits_posted - debits_posted - debits_pending + overdraft_limit + ${availableDelta}::bigint >= 0)
    RETURNING id`;
}

/** The answer to a repeated request: the stored entries, if every field matches. */
function replay(requests: EntryRequest[], existing: JournalEntry[], pendings: JournalEntry[]): JournalEntry[] {
  const byId = new Map(existing.map((e) => [e.id, e]));
  return requests.map((request) => {
    const entry = byId.get(request.id);
    if (!entry || !sameFields(request, entry, pendings)) {
      throw new DomainError(ErrorCode.EXISTS_WITH_DIFFERENT_FIELDS, `entry ${request.id} exists with different fields`, {
        entryId: request.id,
      });
    }
    return entry;
  });
}

function sameFields(request: EntryRequest, entry: JournalEntry, pendings: JournalEntry[]): boolean {
  if (request.kind !== entry.kind) return false;
  if (isMovement(request)) {
    return (
      request.debitAccountId === entry.debitAccountId &&
      request.creditAccountId === entry.creditAccountId &&
      request.amount === entry.amount &&
      request.currency === entry.currency
    );
  }
  const { pendingId } = request;
  if (pendingId !== entry.pendingId) return false;
  const pendingAmount = pendings.find((p) => p.id === pendingId)?.amount;
  const expected = request.kind === 'void_pending' ? pendingAmount : (request.amount ?? pendingAmount);
  return expected === entry.amount;
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
  const where = whereAll(sql, [
    filter.accountId !== undefined ? sql`(debit_account_id = ${filter.accountId} OR credit_account_id = ${filter.accountId})` : null,
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
  return sql<JournalEntry[]>`SELECT * FROM journal_entries WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}

export async function entriesOfPayment(sql: Queryable, paymentId: string): Promise<JournalEntry[]> {
  return sql<JournalEntry[]>`SELECT * FROM journal_entries WHERE payment_id = ${paymentId} ORDER BY seq`;
}
