import { dayStart } from '../domain/calendar';
import type { Currency } from '../domain/currency';
import { NotFoundError, ValidationError } from '../domain/errors';
import { balancesOf, getAccount } from '../ledger/accounts';
import type { Queryable } from '../ledger/db';
import { countersAt } from '../ledger/snapshots';
import { type StatementPeriod, statementEntries, statementTotals, streamStatementEntries } from '../ledger/statement';
import type { JournalEntry } from '../ledger/types';
import { lineContext } from '../store/statementContext';
import type { UseCaseDeps } from './deps';
import { idsOfLines, type LineStory, lineStory } from './statementLines';

/** The most entries a JSON statement holds; a longer period is asked for as CSV (streamed, no limit). */
export const MAX_JSON_STATEMENT_ENTRIES = 10_000;

export interface StatementLine {
  entry: JournalEntry;
  debit: bigint;
  credit: bigint;
  /** Running balance after this entry. */
  balance: bigint;
  counterpartyAccountId: string;
  /** What happened, with whom, the reference and an exchange's rate, as the holder reads it. */
  story: LineStory;
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
  /** Holds open and the available balance as of the statement's end (now, for a period that has not ended). */
  held: bigint;
  available: bigint;
}

export interface Statement extends StatementHeader {
  entries: StatementLine[];
}

/** Each entry with its side of the account and the running balance. */
function lineOf(accountId: string, running: { balance: bigint }, entry: JournalEntry, story: LineStory): StatementLine {
  const isDebit = entry.debitAccountId === accountId;
  running.balance += isDebit ? -entry.amount : entry.amount;
  return {
    entry,
    debit: isDebit ? entry.amount : 0n,
    credit: isDebit ? 0n : entry.amount,
    balance: running.balance,
    counterpartyAccountId: isDebit ? entry.creditAccountId : entry.debitAccountId,
    story,
  };
}

/** A batch of entries as lines, with what each needs looked up in one go. */
async function linesOf(sql: Queryable, accountId: string, running: { balance: bigint }, entries: JournalEntry[]): Promise<StatementLine[]> {
  const ctx = await lineContext(sql, idsOfLines(accountId, entries));
  return entries.map((e) => lineOf(accountId, running, e, lineStory(accountId, e, ctx)));
}

/** Lines of a stream are looked up this many at a time. */
const STREAM_BATCH = 500;

const ZERO_COUNTERS = { debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n };

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
    // The holds at the end: the counters as of the last instant of the period (or now, if that is later).
    const asOf = new Date(Math.min(end.getTime() - 1, Date.now()));
    const [totals, [counters]] = await Promise.all([statementTotals(sql, period), countersAt(sql, [accountId], asOf)]);
    const atEnd = balancesOf({ ...(counters ?? ZERO_COUNTERS), overdraftLimit: account.overdraftLimit });
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
        held: atEnd.held,
        available: atEnd.available,
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
    const entries = await linesOf(sql, accountId, running, await statementEntries(sql, period, MAX_JSON_STATEMENT_ENTRIES));
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
      let batch: JournalEntry[] = [];
      for await (const entry of streamStatementEntries(sql, period)) {
        batch.push(entry);
        if (batch.length < STREAM_BATCH) continue;
        yield* await linesOf(sql, accountId, running, batch);
        batch = [];
      }
      if (batch.length > 0) yield* await linesOf(sql, accountId, running, batch);
    }
    return { header: h, lines: lines() };
  }

  return { statement, statementStream };
}

export type StatementUseCases = ReturnType<typeof createStatementUseCases>;
