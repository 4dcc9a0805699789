import { z } from '@hono/zod-openapi';
import { ALL_CHECKS } from '../../domain/ledgerChecks';
import { formatAmount } from '../../domain/money';
import type { CurrencyReconciliation } from '../../domain/reconciliation';
import type { DailyBalance } from '../../usecases/dailyBalances';
import type { CheckReport } from '../../usecases/ledgerChecks';
import type { TreasuryLine } from '../../usecases/reports';
import { AmountOut, FreeObject, pattern, Timestamp, Uuid } from '../schemas';
import { base64urlOf } from './base64url';
import { DateIn } from './dates';

/** Schemas and views of the ledger operations: daily balances, checks, reports. */

export { DateIn };

const DIGIT = '0123456789';
const HEX = '0123456789abcdef';
const hex = (n: number) => Array<string>(n).fill(HEX);

/**
 * The cursor of the daily balances (usecases/dailyBalances.ts): base64url of
 * "d:YYYY-MM-DD:<account id>", exactly, or empty for the first page. A date that is no calendar day
 * (2026-02-30) is the position after every account of the last day before it.
 */
export const DailyBalanceCursor = pattern(
  new RegExp(
    `^(?:${base64urlOf(['d', ':', DIGIT, DIGIT, DIGIT, DIGIT, '-', '01', DIGIT, '-', '0123', DIGIT, ':', ...hex(8), '-', ...hex(4), '-', ...hex(4), '-', ...hex(4), '-', ...hex(12)])})?$`,
  ),
  'must be the nextCursor of a previous page',
  66,
)
  .transform(onCalendar)
  .openapi({ description: 'nextCursor of the previous page (empty or left out: the first page)' });

const LAST_ACCOUNT = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The cursor as given when its date is a calendar day; else the position just before the next day (or the first page). */
function onCalendar(cursor: string): string {
  if (cursor === '') return cursor;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  let [year, month, day] = text.slice(2, 12).split('-').map(Number) as [number, number, number];
  if (year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month)) return cursor;
  // The last calendar day before the given one.
  if (month > 12) [month, day] = [12, 31];
  else if (month === 0) [year, month, day] = [year - 1, 12, 31];
  else if (day === 0) {
    [year, month] = month === 1 ? [year - 1, 12] : [year, month - 1];
    day = daysIn(year, month);
  } else day = Math.min(day, daysIn(year, month));
  // Postgres has no year 0: before 0001-01-01 there is nothing.
  if (year < 1) return '';
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return Buffer.from(`d:${date}:${LAST_ACCOUNT}`).toString('base64url');
}

export const SignedAmountOut = z.string().openapi({ example: '-100.50' });

export const DailyBalanceSchema = z
  .object({
    accountId: Uuid,
    date: z.string(),
    currency: z.string(),
    openingBalance: SignedAmountOut,
    debits: AmountOut,
    credits: AmountOut,
    closingBalance: SignedAmountOut,
    held: AmountOut,
  })
  .openapi('DailyAccountBalance');

export function dailyBalanceView(b: DailyBalance) {
  const money = (minor: bigint) => formatAmount(minor, b.currency);
  return {
    accountId: b.accountId,
    date: b.date,
    currency: b.currency,
    openingBalance: money(b.openingBalance),
    debits: money(b.debits),
    credits: money(b.credits),
    closingBalance: money(b.closingBalance),
    held: money(b.held),
  };
}

const CheckName = z.string().openapi({ example: 'counters_match_journal', description: `one of ${ALL_CHECKS.join(', ')}` });
const CheckStatus = z.enum(['passed', 'failed']);

const CheckSummarySchema = z.object({ name: CheckName, status: CheckStatus, offending: z.number().int() });

export const CheckRunSchema = z
  .object({
    checkId: Uuid,
    kind: z.enum(['daily', 'account_balance']).openapi({ description: 'daily check, or the AccountBalanceCheckJob' }),
    date: z.string(),
    status: z.enum(['running', 'passed', 'failed']),
    workflowId: z.string(),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    checks: z.array(CheckSummarySchema),
  })
  .openapi('DailyCheck');

export const CheckDetailsSchema = CheckRunSchema.extend({
  checks: z.array(
    CheckSummarySchema.extend({
      rows: z.array(FreeObject()).openapi({ description: 'the offending rows, at most 1000' }),
    }),
  ),
}).openapi('DailyCheckDetails');

export function checkRunView(r: CheckReport) {
  return {
    checkId: r.run.id,
    kind: r.run.kind,
    date: r.run.date,
    status: r.run.status,
    workflowId: r.run.workflowId,
    startedAt: r.run.startedAt.toISOString(),
    finishedAt: r.run.finishedAt?.toISOString() ?? null,
    checks: r.checks.map((c) => ({
      name: c.name,
      status: c.status,
      offending: c.offending,
      ...(c.rows ? { rows: c.rows as Record<string, unknown>[] } : {}),
    })),
  };
}

export const ReconciliationSchema = z
  .object({
    date: z.string(),
    currencies: z.array(
      z.object({
        currency: z.string(),
        ledgerSettlement: AmountOut.openapi({ description: "the day's settlement entries of transfers sent through the provider" }),
        providerBalance: AmountOut.openapi({ description: 'what the provider reports it settled that day' }),
        difference: SignedAmountOut.openapi({ description: 'ledgerSettlement - providerBalance' }),
        breaks: z.array(
          z.object({
            kind: z.enum(['missing_in_ledger', 'missing_at_provider', 'amount_mismatch', 'duplicate']),
            providerReference: z.string(),
            ledgerAmount: AmountOut.nullable(),
            providerAmount: AmountOut.nullable(),
          }),
        ),
      }),
    ),
  })
  .openapi('ReconciliationReport');

export function reconciliationView(date: string, currencies: CurrencyReconciliation[]) {
  return {
    date,
    currencies: currencies.map((c) => {
      const money = (minor: bigint | null) => (minor === null ? null : formatAmount(minor, c.currency));
      return {
        currency: c.currency,
        ledgerSettlement: formatAmount(c.ledgerSettlement, c.currency),
        providerBalance: formatAmount(c.providerBalance, c.currency),
        difference: formatAmount(c.difference, c.currency),
        breaks: c.breaks.map((b) => ({
          kind: b.kind,
          providerReference: b.providerReference,
          ledgerAmount: money(b.ledgerAmount),
          providerAmount: money(b.providerAmount),
        })),
      };
    }),
  };
}

export const TreasurySchema = z
  .object({
    items: z.array(
      z.object({
        currency: z.string(),
        clientFunds: SignedAmountOut,
        clientHeld: AmountOut,
        settlement: SignedAmountOut,
        suspense: SignedAmountOut,
        fxPosition: SignedAmountOut,
        feeIncome: SignedAmountOut,
        externalClearing: SignedAmountOut,
        total: SignedAmountOut.openapi({ description: 'the sum of all balances: 0 in a double-entry ledger' }),
      }),
    ),
  })
  .openapi('TreasurySummary');

export function treasuryView(lines: TreasuryLine[]) {
  return {
    items: lines.map((l) => {
      const money = (minor: bigint) => formatAmount(minor, l.currency);
      return {
        currency: l.currency,
        clientFunds: money(l.clientFunds),
        clientHeld: money(l.clientHeld),
        settlement: money(l.settlement),
        suspense: money(l.suspense),
        fxPosition: money(l.fxPosition),
        feeIncome: money(l.feeIncome),
        externalClearing: money(l.externalClearing),
        total: money(l.total),
      };
    }),
  };
}
