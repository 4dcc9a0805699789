import { type Currency, isCurrency, minorUnits } from './currency';
import { ValidationError } from './errors';

/** The largest amount the API accepts: 10^15 major units. */
const MAX_MAJOR_UNITS = 10n ** 15n;

// The one decimal grammar of the service (amounts, fees, configuration): a plain non-negative
// decimal, with no sign, no exponent, no leading zeros, and no bare or trailing dot.
const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(\.([0-9]+))?$/;

export const isPlainDecimal = (text: string) => DECIMAL_PATTERN.test(text);

/**
 * A plain decimal as integer units of 10^-digits. Digits beyond that precision must be zeros
 * ('exact', undefined otherwise) or round the value up ('up', for amounts the bank charges).
 */
export function decimalToMinor(text: string, digits: number, rounding: 'exact' | 'up' = 'exact'): bigint | undefined {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) return undefined;
  const fraction = match[3] ?? '';
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  const dropped = fraction.slice(digits);
  const minor = BigInt(match[1] ?? '0') * 10n ** BigInt(digits) + BigInt(kept || '0');
  if (/^0*$/.test(dropped)) return minor;
  return rounding === 'up' ? minor + 1n : undefined;
}

export interface ParseAmountOptions {
  /** JSON path of the field, reported in the validation error. */
  field?: string;
  /** Accept zero (for filters and limits); amounts that move money must be positive. */
  allowZero?: boolean;
}

/**
 * Parses an API amount ("100.5", "0.01", JPY "1500", or a JSON number with the same limits)
 * into integer minor units of the currency. Never goes through floating point arithmetic.
 */
export function parseAmount(input: unknown, currency: Currency, options: ParseAmountOptions = {}): bigint {
  const field = options.field ?? 'amount';
  if (!isCurrency(currency)) throw new ValidationError(`unknown currency ${String(currency)}`, 'currency');
  let text: string;
  if (typeof input === 'string') text = input;
  else if (typeof input === 'number' && Number.isFinite(input)) text = String(input);
  else throw new ValidationError('amount must be a decimal string or number', field);

  if (!isPlainDecimal(text)) throw new ValidationError(`amount "${text}" is not a plain positive decimal number`, field);
  const digits = minorUnits(currency);
  // docs/api.md: at most the currency's digits, so "1.500" is refused for EUR even though it is exact.
  if ((text.split('.')[1] ?? '').length > digits) {
    throw new ValidationError(`${currency} amounts have at most ${digits} decimal places`, field);
  }
  const minor = decimalToMinor(text, digits) as bigint;
  if (minor > MAX_MAJOR_UNITS * 10n ** BigInt(digits)) {
    throw new ValidationError('amount is above 10^15 major units', field);
  }
  if (minor === 0n && !options.allowZero) throw new ValidationError('amount must be greater than zero', field);
  return minor;
}

/** Formats minor units as the API's decimal string with the currency's full precision: 10050n EUR -> "100.50". */
export function formatAmount(minor: bigint, currency: Currency): string {
  const digits = minorUnits(currency);
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  if (digits === 0) return `${negative ? '-' : ''}${abs}`;
  const scale = 10n ** BigInt(digits);
  const whole = abs / scale;
  const fraction = (abs % scale).toString().padStart(digits, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** Like parseAmount, but also takes a leading minus and zero: for filters such as balance ranges. */
export function parseSignedAmount(input: unknown, currency: Currency, field: string): bigint {
  if (typeof input === 'string' && input.startsWith('-')) return -parseAmount(input.slice(1), currency, { field, allowZero: true });
  if (typeof input === 'number' && input < 0) return -parseAmount(-input, currency, { field, allowZero: true });
  return parseAmount(input, currency, { field, allowZero: true });
}
