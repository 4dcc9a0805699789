import { ibanFor } from '../domain/accountReference';
import type { Caller } from '../domain/caller';
import { type Currency, requireLedgerCurrency } from '../domain/currency';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import {
  type AccountFilter,
  type AccountKind,
  type AccountPurpose,
  type AccountRow,
  type AggregatedAmounts,
  aggregatedAmounts,
  type Balances,
  balancesOf,
  CLIENT_PURPOSES,
  countAccounts,
  createAccount,
  currenciesOf,
  getAccount,
  INTERNAL_PURPOSES,
  nextAccountNumber,
  searchAccounts,
  setAccountStatus,
} from '../ledger/accounts';
import { type CounterMismatch, recalculateCounters } from '../ledger/consistency';
import { PgCode, pgErrorCode } from '../ledger/db';
import { countersAt } from '../ledger/snapshots';
import { recordAudit } from '../store/audit';
import { getClient } from '../store/clients';
import type { UseCaseDeps } from './deps';

export type { AccountFilter, AggregatedAmounts };

/** The purposes an account of each kind may have (the API's enums are built from them). */
export { CLIENT_PURPOSES, INTERNAL_PURPOSES };

export interface NewAccountRequest {
  /** A client account's owner; null for an internal account. */
  clientId: string | null;
  currency: Currency;
  kind: AccountKind;
  purpose: AccountPurpose;
  name: string;
  overdraftLimit: bigint;
}

/** An account whose stored counters differed from its journal (they are fixed now). */
export interface CounterDifference extends CounterMismatch {
  currency: Currency;
}

export interface Recalculation {
  /** How many accounts were compared. */
  checked: number;
  differences: CounterDifference[];
}

/** An account's balances as the journal stood at a moment (no overdraft: available is left out). */
export interface BalanceAsOf extends Omit<Balances, 'available'> {
  accountId: string;
  currency: Currency;
  asOf: Date;
}

/** Ledger accounts: opening them, reading and searching them, and checking their counters. */
export function createAccountUseCases({ sql, iban }: Pick<UseCaseDeps, 'sql' | 'iban'>) {
  /**
   * Opens an account in a currency the ledger keeps, for an active client or as an internal
   * account; there is one internal account per currency and purpose (a second is ALREADY_EXISTS).
   */
  async function create(request: NewAccountRequest): Promise<AccountRow> {
    requireLedgerCurrency(request.currency);
    if (request.clientId !== null) {
      const client = await getClient(sql, request.clientId);
      if (!client) throw new NotFoundError('client', request.clientId);
      if (client.status !== 'active') throw new DomainError(ErrorCode.CLIENT_BLOCKED, `client ${client.id} is ${client.status}`);
    }
    // A random account number (domain/accountNumber.ts); a client account gets an IBAN built from it.
    const accountNumber = await nextAccountNumber(sql);
    const numbering = { accountNumber, iban: request.clientId === null ? null : ibanFor(iban, accountNumber) };
    try {
      return await createAccount(sql, { id: newId(), ...request, ...numbering });
    } catch (error) {
      if (pgErrorCode(error) === PgCode.UNIQUE_VIOLATION) {
        throw new DomainError(ErrorCode.ALREADY_EXISTS, `an internal ${request.purpose} account in ${request.currency} exists`);
      }
      throw error;
    }
  }

  async function get(accountId: string): Promise<AccountRow> {
    const account = await getAccount(sql, accountId);
    if (!account) throw new NotFoundError('account', accountId);
    return account;
  }

  /** Accounts matching the filter, in creation order. */
  async function search(filter: AccountFilter, page: PageRequest): Promise<Page<AccountRow>> {
    if (filter.currency !== undefined) requireLedgerCurrency(filter.currency);
    return toPage(await searchAccounts(sql, filter, page), page.limit, (row) => row);
  }

  /** Per currency, kind and purpose: the account count and the sums of their balances. */
  async function aggregate(currency?: Currency): Promise<AggregatedAmounts[]> {
    if (currency !== undefined) requireLedgerCurrency(currency);
    return aggregatedAmounts(sql, currency);
  }

  /** Rebuilds the counters of these accounts (all when undefined) from the journal; reports what differed. */
  async function recalculate(accountIds?: string[]): Promise<Recalculation> {
    const mismatches = await recalculateCounters(sql, accountIds);
    const differing = mismatches.map((m) => m.accountId);
    const currencies = await currenciesOf(sql, differing);
    const checked = accountIds?.length ?? (await countAccounts(sql));
    // Every mismatch is of an account that exists, so its currency is known.
    return { checked, differences: mismatches.map((m) => ({ ...m, currency: currencies.get(m.accountId) as Currency })) };
  }

  /**
   * The balances of these accounts as of a moment: the latest end-of-day snapshot before it plus
   * the journal after that (so the cost does not grow with the journal); every account must exist.
   */
  async function balancesAsOf(accountIds: string[], asOf: Date): Promise<BalanceAsOf[]> {
    const currencies = await currenciesOf(sql, accountIds);
    const missing = accountIds.find((id) => !currencies.has(id));
    if (missing) throw new NotFoundError('account', missing);
    const rows = await countersAt(sql, accountIds, asOf);
    return rows.map((r) => {
      const { balance, held, incoming } = balancesOf({ ...r, overdraftLimit: 0n });
      return { accountId: r.accountId, currency: currencies.get(r.accountId) as Currency, asOf, balance, held, incoming };
    });
  }

  /** Blocks (no debits; credits still land) or unblocks an account; a closed one stays closed. */
  async function setBlocked(actor: Caller, accountId: string, blocked: boolean, note: string | null = null): Promise<AccountRow> {
    const account = await get(accountId);
    if (account.status === 'closed') {
      throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `account ${accountId} is closed`, {
        from: 'closed',
        action: blocked ? 'block' : 'unblock',
      });
    }
    return (await setAccountStatus(sql, accountId, blocked ? 'blocked' : 'active', (tx, changed) =>
      recordAudit(tx, {
        actor,
        action: blocked ? 'account.blocked' : 'account.unblocked',
        resourceType: 'account',
        resourceId: accountId,
        note,
        before: { status: account.status },
        after: { status: changed.status },
      }),
    )) as AccountRow;
  }

  return { create, get, search, aggregate, recalculate, balancesAsOf, setBlocked };
}

export type AccountUseCases = ReturnType<typeof createAccountUseCases>;
