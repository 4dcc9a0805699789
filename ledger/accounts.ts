import { randomAccountNumber } from '../domain/accountNumber';
import type { Currency } from '../domain/currency';
import type { EventType } from '../domain/events';
import type { PageRequest } from '../domain/paging';
import { atomically, type Queryable, type Sql, type TransactionSql, whereAll } from './db';
import { recordEvent } from './events';

export type AccountKind = 'client' | 'internal';
export type AccountStatus = 'active' | 'blocked' | 'closed';
export const CLIENT_PURPOSES = ['current', 'savings'] as const;
export const INTERNAL_PURPOSES = ['settlement', 'suspense', 'fx_position', 'fee_income', 'external_clearing'] as const;
export type AccountPurpose = (typeof CLIENT_PURPOSES)[number] | (typeof INTERNAL_PURPOSES)[number];

export interface AccountRow {
  id: string;
  seq: bigint;
  accountNumber: string;
  iban: string | null;
  clientId: string | null;
  currency: Currency;
  kind: AccountKind;
  purpose: AccountPurpose;
  name: string;
  status: AccountStatus;
  displayOrder: number;
  overdraftLimit: bigint;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
  /** Generated columns (migration 006): credits_posted - debits_posted, and that - held + overdraft. */
  balance: bigint;
  available: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export interface Balances {
  balance: bigint;
  held: bigint;
  incoming: bigint;
  available: bigint;
}

/**
 * The balance formulas of docs/architecture.md for counters in memory (an account as of a past moment, say);
 * the same formulas are the accounts table's generated `balance` and `available` columns.
 */
export function balancesOf(
  account: Pick<AccountRow, 'debitsPending' | 'debitsPosted' | 'creditsPending' | 'creditsPosted' | 'overdraftLimit'>,
): Balances {
  const balance = account.creditsPosted - account.debitsPosted;
  return {
    balance,
    held: account.debitsPending,
    incoming: account.creditsPending,
    available: balance - account.debitsPending + account.overdraftLimit,
  };
}

export interface NewAccount {
  id: string;
  clientId: string | null;
  currency: Currency;
  kind: AccountKind;
  purpose: AccountPurpose;
  name: string;
  overdraftLimit?: bigint;
  /** From nextAccountNumber when the IBAN is built from it; else the database draws one. */
  accountNumber?: string;
  iban?: string | null;
}

/**
 * A fresh account number: random digits and a Luhn check digit (domain/accountNumber.ts), drawn
 * again in the unlikely case it is taken. The unique index still guards a race between two draws.
 */
export async function nextAccountNumber(sql: Queryable): Promise<string> {
  for (;;) {
    const number = randomAccountNumber();
    const [taken] = await sql`SELECT 1 FROM accounts WHERE account_number = ${number}`;
    if (!taken) return number;
  }
}

/** Opens an account; a client's new account goes last in its display order. */
export async function createAccount(sql: Queryable, account: NewAccount): Promise<AccountRow> {
  return atomically(sql, async (tx) => {
    const row = await insertAccount(tx, account);
    await recordAccountEvent(tx, 'account.opened', row);
    return row;
  });
}

async function insertAccount(sql: TransactionSql, account: NewAccount): Promise<AccountRow> {
  const [row] = await sql<[AccountRow]>`
    INSERT INTO accounts (id, account_number, client_id, currency, kind, purpose, name, overdraft_limit, iban, display_order)
    VALUES (
      ${account.id}, COALESCE(${account.accountNumber ?? null}, next_account_number()), ${account.clientId}, ${account.currency},
      ${account.kind}, ${account.purpose}, ${account.name}, ${account.overdraftLimit ?? 0n}, ${account.iban ?? null},
      COALESCE((SELECT max(display_order) + 1 FROM accounts WHERE client_id = ${account.clientId}), 0)
    )
    RETURNING *`;
  return row;
}

/** A client's accounts in its display order. */
export async function accountsOfClient(sql: Queryable, clientId: string): Promise<AccountRow[]> {
  return sql<AccountRow[]>`SELECT * FROM accounts WHERE client_id = ${clientId} ORDER BY display_order, seq`;
}

export async function getAccount(sql: Queryable, id: string): Promise<AccountRow | undefined> {
  const [row] = await sql<[AccountRow?]>`SELECT * FROM accounts WHERE id = ${id}`;
  return row;
}

/**
 * The client account of this ledger with that IBAN or account number, if there is one; with
 * `landsIn`, only one in that currency that may take money in (not closed; a blocked one may).
 */
export async function findClientAccount(
  sql: Queryable,
  ref: { iban: string | null; accountNumber: string | null },
  landsIn?: Currency,
): Promise<AccountRow | undefined> {
  if (ref.iban === null && ref.accountNumber === null) return undefined;
  const [row] = await sql<[AccountRow?]>`
    SELECT * FROM accounts
    WHERE kind = 'client' AND (account_number = ${ref.accountNumber ?? ''} OR iban = ${ref.iban ?? ''})
      ${landsIn === undefined ? sql`` : sql`AND status <> 'closed' AND currency = ${landsIn}`}
    LIMIT 1`;
  return row;
}

export async function getInternalAccount(sql: Queryable, currency: Currency, purpose: AccountPurpose): Promise<AccountRow | undefined> {
  const [row] = await sql<[AccountRow?]>`
    SELECT * FROM accounts WHERE kind = 'internal' AND currency = ${currency} AND purpose = ${purpose}`;
  return row;
}

/**
 * Closes an account only while it holds nothing: no balance, no holds, nothing incoming. One
 * guarded UPDATE, so a posting that lands first makes it refuse, and none lands after.
 */
export async function closeEmptyAccount(sql: Queryable, id: string): Promise<AccountRow | undefined> {
  return atomically(sql, async (tx) => {
    const [row] = await tx<[AccountRow?]>`
      UPDATE accounts SET status = 'closed', updated_at = now()
      WHERE id = ${id} AND status <> 'closed' AND balance = 0 AND debits_pending = 0 AND credits_pending = 0
      RETURNING *`;
    if (row) await recordAccountEvent(tx, 'account.closed', row);
    return row;
  });
}

/** Renames a client's account. */
export async function renameAccount(sql: Queryable, id: string, name: string): Promise<AccountRow | undefined> {
  const [row] = await sql<[AccountRow?]>`UPDATE accounts SET name = ${name}, updated_at = now() WHERE id = ${id} RETURNING *`;
  return row;
}

/** Sets the display order of a client's accounts to the order of `accountIds`. */
export async function reorderAccounts(sql: Queryable, clientId: string, accountIds: string[]): Promise<void> {
  await sql`
    UPDATE accounts a SET display_order = o.position - 1, updated_at = now()
    FROM unnest(${accountIds}::uuid[]) WITH ORDINALITY AS o(id, position)
    WHERE a.id = o.id AND a.client_id = ${clientId}`;
}

/**
 * Sets the status; a new one writes account.blocked / unblocked / closed in the same transaction,
 * and runs `onChange` there too (the caller's audit record).
 */
export async function setAccountStatus(
  sql: Queryable,
  id: string,
  status: AccountStatus,
  onChange?: (tx: TransactionSql, changed: AccountRow) => Promise<void>,
): Promise<AccountRow | undefined> {
  return atomically(sql, async (tx) => {
    const [changed] = await tx<[AccountRow?]>`
      UPDATE accounts SET status = ${status}, updated_at = now() WHERE id = ${id} AND status <> ${status} RETURNING *`;
    if (changed) {
      const type = status === 'closed' ? 'account.closed' : status === 'blocked' ? 'account.blocked' : 'account.unblocked';
      await recordAccountEvent(tx, type, changed);
      await onChange?.(tx, changed);
      return changed;
    }
    const [row] = await tx<[AccountRow?]>`UPDATE accounts SET updated_at = now() WHERE id = ${id} RETURNING *`;
    return row;
  });
}

/**
 * The account without its balances: its events' `data` (balances change with every posting, which
 * has its payment or transfer event), and the API's account (api/views.ts adds the balances).
 */
export function accountSummaryView(a: AccountRow) {
  return {
    id: a.id,
    accountNumber: a.accountNumber,
    iban: a.iban,
    clientId: a.clientId,
    currency: a.currency,
    kind: a.kind,
    purpose: a.purpose,
    name: a.name,
    status: a.status,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

function recordAccountEvent(tx: TransactionSql, type: EventType, row: AccountRow) {
  return recordEvent(tx, { type, aggregateType: 'account', aggregateId: row.id, clientId: row.clientId, data: accountSummaryView(row) });
}

export interface AccountFilter {
  clientId?: string;
  currency?: Currency;
  kind?: AccountKind;
  purpose?: AccountPurpose;
  status?: AccountStatus;
  accountNumbers?: string[];
  minBalance?: bigint;
  maxBalance?: bigint;
  minAvailable?: bigint;
  maxAvailable?: bigint;
}

/** Filtered accounts in creation order, limit + 1 rows (see toPage). */
export async function searchAccounts(sql: Queryable, filter: AccountFilter, page: PageRequest): Promise<AccountRow[]> {
  const where = whereAll(sql, [
    filter.clientId !== undefined ? sql`client_id = ${filter.clientId}` : null,
    filter.currency !== undefined ? sql`currency = ${filter.currency}` : null,
    filter.kind !== undefined ? sql`kind = ${filter.kind}` : null,
    filter.purpose !== undefined ? sql`purpose = ${filter.purpose}` : null,
    filter.status !== undefined ? sql`status = ${filter.status}` : null,
    filter.accountNumbers !== undefined ? sql`account_number = ANY(${filter.accountNumbers})` : null,
    filter.minBalance !== undefined ? sql`balance >= ${filter.minBalance}` : null,
    filter.maxBalance !== undefined ? sql`balance <= ${filter.maxBalance}` : null,
    filter.minAvailable !== undefined ? sql`available >= ${filter.minAvailable}` : null,
    filter.maxAvailable !== undefined ? sql`available <= ${filter.maxAvailable}` : null,
    page.afterSeq !== undefined ? sql`seq > ${page.afterSeq}` : null,
  ]);
  return sql<AccountRow[]>`SELECT * FROM accounts WHERE ${where} ORDER BY seq LIMIT ${page.limit + 1}`;
}

export interface AggregatedAmounts {
  currency: Currency;
  kind: AccountKind;
  purpose: AccountPurpose;
  count: bigint;
  balance: bigint;
  held: bigint;
  incoming: bigint;
  available: bigint;
}

export async function aggregatedAmounts(sql: Sql, currency?: Currency): Promise<AggregatedAmounts[]> {
  return sql<AggregatedAmounts[]>`
    SELECT currency, kind, purpose,
           count(*)::bigint                                                          AS count,
           sum(balance)::bigint                                                      AS balance,
           sum(debits_pending)::bigint                                               AS held,
           sum(credits_pending)::bigint                                              AS incoming,
           sum(available)::bigint                                                    AS available
    FROM accounts
    ${currency !== undefined ? sql`WHERE currency = ${currency}` : sql``}
    GROUP BY currency, kind, purpose
    ORDER BY currency, kind, purpose`;
}

/** The currency of each of these accounts that exists (a missing id has no entry). */
export async function currenciesOf(sql: Queryable, accountIds: string[]): Promise<Map<string, Currency>> {
  if (accountIds.length === 0) return new Map();
  const rows = await sql<{ id: string; currency: Currency }[]>`SELECT id, currency FROM accounts WHERE id = ANY(${accountIds}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r.currency]));
}

/** How many accounts the ledger keeps, of every kind and status. */
export async function countAccounts(sql: Queryable): Promise<number> {
  const [row] = await sql<[{ n: bigint }]>`SELECT count(*) AS n FROM accounts`;
  return Number(row.n);
}

/**
 * Locks a client's accounts in id order, the order every ledger write locks them in: what the
 * caller then changes of the client (a block) is ordered against every debit of its accounts.
 */
export async function lockAccountsOfClient(tx: TransactionSql, clientId: string): Promise<void> {
  await tx`SELECT id FROM accounts WHERE client_id = ${clientId} ORDER BY id FOR UPDATE`;
}

/** Marks a client's accounts blocked or not with their client (every debit checks the flag under its row lock). */
export async function setClientBlockedOnAccounts(tx: TransactionSql, clientId: string, blocked: boolean): Promise<void> {
  await tx`UPDATE accounts SET client_blocked = ${blocked}, updated_at = now() WHERE client_id = ${clientId}`;
}
