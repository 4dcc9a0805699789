import { dayStart } from '../domain/calendar';
import type { Currency } from '../domain/currency';
import { NotFoundError, ValidationError } from '../domain/errors';
import { getAccount } from '../ledger/accounts';
import { type StatementPeriod, statementEntries, statementTotals, streamStatementEntries } from '../ledger/statement';
import type { JournalEntry } from '../ledger/types';
import type { UseCaseDeps } from './deps';

/** The most entries a JSON statement holds; a longer period is asked for as CSV (streamed, no limit). */
export const MAX_JSON_STATEMENT_ENTRIES = 10_000;

export interface StatementLine {
  entry: JournalEntry;
  debit: bigint;
  credit: bigint;
  /** Running balance after this entry. */
  balance: bigint;
  counterpartyAccountId: string;
}

export interface StatementHeader {
  accountId: string;
  currency: Currency;
  from: string;
  to: string;
  openingBalance: bigint;
  closingBalance: bigint;
  totalDebits: bigint;
  totalCredits: bigint;
}

export interface Statement extends StatementHeader {
  entries: StatementLine[];
}

/** Each entry with its side of the account and the running balance. */
function lineOf(accountId: string, running: { balance: bigint }, entry: JournalEntry): StatementLine {
  const isDebit = entry.debitAccountId === accountId;
  running.balance += isDebit ? -entry.amount : entry.amount;
  return {
    entry,
    debit: isDebit ? entry.amount : 0n,
    credit: isDebit ? 0n : entry.amount,
    balance: running.balance,
    counterpartyAccountId: isDebit ? entry.creditAccountId : entry.debitAccountId,
  };
}

/** Account statements: posted money of an account over UTC days, as JSON or streamed. */
export function createStatementUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  async function header(
    accountId: string,
    from: string,
    to: string,
  ): Promise<{ header: StatementHeader; period: StatementPeriod; count: bigint }> {
    const start = dayStart(from);
    const end = new Date(dayStart(to).getTime() + 24 * 3600 * 1000);
    if (end <= start) throw new ValidationError('to must not be before from', 'to');
    const account = await getAccount(sql, accountId);
    if (!account) throw new NotFoundError('account', accountId);
    const period = { accountId, from: start, to: end };
    const totals = await statementTotals(sql, period);
    return {
      period,
      count: totals.count,
      header: {
        accountId,
        currency: account.currency,
        from,
        to,
        openingBalance: totals.openingBalance,
        closingBalance: totals.openingBalance + totals.totalCredits - totals.totalDebits,
        totalDebits: totals.totalDebits,
        totalCredits: totals.totalCredits,
      },
    };
  }

  /** The whole statement; over MAX_JSON_STATEMENT_ENTRIES entries it asks for CSV instead. */
  async function statement(accountId: string, from: string, to: string): Promise<Statement> {
    const { header: h, period, count } = await header(accountId, from, to);
    if (count > BigInt(MAX_JSON_STATEMENT_ENTRIES)) {
      throw new ValidationError(
        `the statement holds ${count} entries, more than ${MAX_JSON_STATEMENT_ENTRIES}: ask for Accept: text/csv or a shorter period`,
        'to',
      );
    }
    const running = { balance: h.openingBalance };
    const entries = (await statementEntries(sql, period, MAX_JSON_STATEMENT_ENTRIES)).map((e) => lineOf(accountId, running, e));
    return { ...h, entries };
  }

  /** The statement's header and its lines as a stream, read from a cursor: memory stays flat at any size. */
  async function statementStream(
    accountId: string,
    from: string,
    to: string,
  ): Promise<{ header: StatementHeader; lines: AsyncGenerator<StatementLine> }> {
    const { header: h, period } = await header(accountId, from, to);
    async function* lines() {
      const running = { balance: h.openingBalance };
      for await (const entry of streamStatementEntries(sql, period)) yield lineOf(accountId, running, entry);
    }
    return { header: h, lines: lines() };
  }

  return { statement, statementStream };
}

export type StatementUseCases = ReturnType<typeof createStatementUseCases>;
