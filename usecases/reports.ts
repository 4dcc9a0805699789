import { dayStart } from '../domain/calendar';
import { type Currency, LEDGER_CURRENCIES, minorUnits } from '../domain/currency';
import { ValidationError } from '../domain/errors';
import type { CurrencyReconciliation } from '../domain/reconciliation';
import { aggregatedAmounts } from '../ledger/accounts';
import { reconcileDay } from '../store/reconciliation';
import type { UseCaseDeps } from './deps';

export interface TreasuryLine {
  currency: Currency;
  clientFunds: bigint;
  clientHeld: bigint;
  settlement: bigint;
  suspense: bigint;
  fxPosition: bigint;
  feeIncome: bigint;
  externalClearing: bigint;
  /** The sum of every balance of the currency: zero in a double-entry ledger. */
  total: bigint;
}

const INTERNAL_FIELD = {
  settlement: 'settlement',
  suspense: 'suspense',
  fx_position: 'fxPosition',
  fee_income: 'feeIncome',
  external_clearing: 'externalClearing',
} as const;

/** Back-office reports: reconciliation with the provider, the treasury summary, what the provider supports. */
export function createReportUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  /** The provider's statement of a day against the ledger's settlement entries, per currency. */
  async function reconciliation(date: string): Promise<{ date: string; currencies: CurrencyReconciliation[] }> {
    const now = new Date();
    if (dayStart(date) > now) throw new ValidationError(`${date} is in the future`, 'date');
    return { date, currencies: await reconcileDay(sql, date, now) };
  }

  /** Per currency: client funds and holds, and each internal account's balance. */
  async function treasury(): Promise<TreasuryLine[]> {
    const lines = new Map<Currency, TreasuryLine>();
    for (const row of await aggregatedAmounts(sql)) {
      const line = lines.get(row.currency) ?? {
        currency: row.currency,
        clientFunds: 0n,
        clientHeld: 0n,
        settlement: 0n,
        suspense: 0n,
        fxPosition: 0n,
        feeIncome: 0n,
        externalClearing: 0n,
        total: 0n,
      };
      if (row.kind === 'client') {
        line.clientFunds += row.balance;
        line.clientHeld += row.held;
      } else {
        line[INTERNAL_FIELD[row.purpose as keyof typeof INTERNAL_FIELD]] += row.balance;
      }
      line.total += row.balance;
      lines.set(row.currency, line);
    }
    return [...lines.values()];
  }

  /** The sandbox provider carries every currency the ledger keeps. */
  function availableCurrencies(): { currency: Currency; minorUnits: number }[] {
    return LEDGER_CURRENCIES.map((currency) => ({ currency, minorUnits: minorUnits(currency) }));
  }

  return { reconciliation, treasury, availableCurrencies };
}

export type ReportUseCases = ReturnType<typeof createReportUseCases>;
