import { minorUnits } from './currency';
import { DomainError, ErrorCode, ValidationError } from './errors';
import { decimalToMinor, isPlainDecimal } from './money';

/**
 * Foreign exchange without floating point. A rate is a plain decimal string ("1.0796", "0.0025169")
 * held as an integer over a power of ten; amounts are integer minor units. Pure and deterministic:
 * workflow code may import it.
 */

/** Decimal places of a quoted rate (rounded down, in the bank's favour). */
export const RATE_DECIMALS = 10;
const RATE_SCALE = 10n ** BigInt(RATE_DECIMALS);

/** The largest amount the API takes or gives: 10^15 major units. */
const MAX_MAJOR_UNITS = 10n ** 15n;

/** A non-negative rational number: numerator over a positive denominator. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

/** A plain decimal string as an exact ratio ("1.085" -> 1085/1000). */
export function ratioOf(decimal: string): Ratio {
  if (!isPlainDecimal(decimal)) throw new Error(`"${decimal}" is not a plain decimal`);
  const digits = decimal.split('.')[1]?.length ?? 0;
  return { num: decimalToMinor(decimal, digits) as bigint, den: 10n ** BigInt(digits) };
}

/** A ratio as a decimal string with RATE_DECIMALS places, rounded down, without trailing zeros. */
export function rateString(ratio: Ratio): string {
  const scaled = (ratio.num * RATE_SCALE) / ratio.den;
  const whole = scaled / RATE_SCALE;
  const fraction = (scaled % RATE_SCALE).toString().padStart(RATE_DECIMALS, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}

/**
 * The client's rate from a mid rate and a spread (a fraction such as "0.005"): the client gets
 * mid x (1 - spread) units of the buy currency per unit sold, rounded down to RATE_DECIMALS.
 */
export function clientRate(mid: Ratio, spread: string): string {
  const s = ratioOf(spread);
  if (s.num >= s.den) throw new Error(`spread ${spread} must be below 1`);
  return rateString({ num: mid.num * (s.den - s.num), den: mid.den * s.den });
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

export interface FxAmounts {
  sellMinor: bigint;
  buyMinor: bigint;
}

/**
 * The two amounts of a conversion at `rate` (buy units per sell unit). Given the sell amount,
 * the buy amount is rounded down to the buy currency's minor unit; given the buy amount, the sell
 * amount is rounded up. Either way the bank never gives more than the rate pays for.
 */
export function convert(
  rate: string,
  sellCurrency: string,
  buyCurrency: string,
  given: { sellMinor: bigint } | { buyMinor: bigint },
): FxAmounts {
  const r = ratioOf(rate);
  if (r.num === 0n) throw new Error('a rate of zero converts nothing');
  const sellScale = 10n ** BigInt(minorUnits(sellCurrency));
  const buyScale = 10n ** BigInt(minorUnits(buyCurrency));
  // buyMinor / buyScale = sellMinor / sellScale * r.num / r.den
  if ('sellMinor' in given) {
    const buyMinor = (given.sellMinor * r.num * buyScale) / (sellScale * r.den);
    return { sellMinor: given.sellMinor, buyMinor };
  }
  const sellMinor = ceilDiv(given.buyMinor * r.den * sellScale, r.num * buyScale);
  return { sellMinor, buyMinor: given.buyMinor };
}

/** Refuses a conversion that gives nothing or moves more than the API allows. */
export function checkConvertible(amounts: FxAmounts, sellCurrency: string, buyCurrency: string, field: string): void {
  if (amounts.buyMinor <= 0n || amounts.sellMinor <= 0n) {
    throw new ValidationError('the amount is too small to convert: it buys less than one minor unit', field);
  }
  const limit = (currency: string) => MAX_MAJOR_UNITS * 10n ** BigInt(minorUnits(currency));
  if (amounts.sellMinor > limit(sellCurrency) || amounts.buyMinor > limit(buyCurrency)) {
    throw new ValidationError('the converted amount is above 10^15 major units', field);
  }
}

// ---- The FX transfer's state machine ----------------------------------------------------------

export const FxStatus = ['PendingConfirmation', 'Completed', 'Cancelled', 'Expired'] as const;
export type FxStatus = (typeof FxStatus)[number];
export type FxAction = 'confirm' | 'cancel' | 'resend';

const ALLOWED_FROM: Record<FxAction, readonly FxStatus[]> = {
  confirm: ['PendingConfirmation'],
  cancel: ['PendingConfirmation'],
  resend: ['PendingConfirmation'],
};

const DONE_AT: Partial<Record<FxAction, readonly FxStatus[]>> = {
  confirm: ['Completed'],
  cancel: ['Cancelled'],
};

/** Like planTransferAction: apply, unchanged (a repeat), or a 422; confirming an expired quote is QUOTE_EXPIRED. */
export function planFxAction(from: FxStatus, action: FxAction): 'apply' | 'unchanged' {
  if (ALLOWED_FROM[action].includes(from)) return 'apply';
  if (DONE_AT[action]?.includes(from)) return 'unchanged';
  if (from === 'Expired' && action === 'confirm') throw quoteExpired();
  throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `cannot ${action} an FX transfer that is ${from}`, { from, action });
}

export const quoteExpired = () => new DomainError(ErrorCode.QUOTE_EXPIRED, 'the quote has expired; ask for a new one', { from: 'Expired' });
