import currencyCodes from 'currency-codes';
import { DomainError, ErrorCode } from './errors';

/** ISO 4217 alphabetic code, for example `EUR`. */
export type Currency = string;

const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** True for an upper-case ISO 4217 code that has a defined number of minor units. */
export function isCurrency(code: string): boolean {
  return CURRENCY_PATTERN.test(code) && currencyCodes.code(code) !== undefined;
}

/** Minor-unit digits of an ISO 4217 currency: EUR 2, JPY 0, BHD 3. */
export function minorUnits(currency: Currency): number {
  const entry = currencyCodes.code(currency);
  if (!entry || !CURRENCY_PATTERN.test(currency)) throw new Error(`unknown currency ${currency}`);
  return entry.digits;
}

/**
 * Currencies the ledger keeps internal accounts for (seeded by migration 001).
 * Accounts can only be opened in these.
 */
export const LEDGER_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'BHD'] as const;

export function isLedgerCurrency(code: string): boolean {
  return (LEDGER_CURRENCIES as readonly string[]).includes(code);
}

/**
 * A valid ISO currency this ledger holds no accounts in is a business refusal (422
 * CURRENCY_NOT_SUPPORTED), checked by every use case that takes a currency, filters included.
 */
export function requireLedgerCurrency(currency: string, field = 'currency'): void {
  if (!isLedgerCurrency(currency)) {
    throw new DomainError(ErrorCode.CURRENCY_NOT_SUPPORTED, `this ledger holds no ${currency} accounts`, { field });
  }
}
