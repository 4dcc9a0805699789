import { minorUnits } from '../../domain/currency';
import { type ParseAmountOptions, parseAmount, parseSignedAmount } from '../../domain/money';
import { businessRules } from '../errors';
import { CURRENCY_CODES, pattern } from '../schemas';

// Amounts: decimal strings (README: "amounts are decimal strings"), the one grammar of
// domain/money.ts: no sign, exponent, leading zero, bare or trailing dot; at most 10^15 major
// units; at most the currency's minor-unit digits (ISO 4217: JPY 0, EUR 2, BHD 3), else 422.

/** The most minor-unit digits a currency has (CLF, UYW: 4): the most decimals an amount can have. */
const MAX_DIGITS = Math.max(...CURRENCY_CODES.map(minorUnits));

type AmountKind = 'positive' | 'nonNegative' | 'signed';

/** The amounts of `kind` with at most `digits` decimals, up to 10^15 major units. */
function amountSource(kind: AmountKind, digits: number): string {
  const fraction = digits === 0 ? '' : `(?:\\.[0-9]{1,${digits}})?`;
  const limit = `1000000000000000${digits === 0 ? '' : `(?:\\.0{1,${digits}})?`}`;
  let body: string;
  if (kind === 'positive') {
    // A fraction of a unit: at least one digit that is not 0.
    const small = Array.from({ length: digits }, (_, zeros) => {
      const rest = digits - zeros - 1;
      return `${'0'.repeat(zeros)}[1-9]${rest === 0 ? '' : `[0-9]{0,${rest}}`}`;
    }).join('|');
    body = [`[1-9][0-9]{0,14}${fraction}`, ...(digits === 0 ? [] : [`0\\.(?:${small})`]), limit].join('|');
  } else {
    body = [`(?:0|[1-9][0-9]{0,14})${fraction}`, limit].join('|');
  }
  return `^${kind === 'signed' ? '-?' : ''}(?:${body})$`;
}

const DECIMALS = "with at most its currency's minor-unit digits (ISO 4217: JPY 0, EUR 2, BHD 3; more is 422 VALIDATION_ERROR)";
const AMOUNT_DESCRIPTION = {
  positive: `Decimal string greater than zero, up to 10^15, ${DECIMALS}`,
  nonNegative: `Decimal string, zero or more, up to 10^15, ${DECIMALS}`,
  signed: `Decimal string, optionally negative, up to 10^15 in size, ${DECIMALS}`,
};

const AMOUNT_MESSAGE = {
  positive: 'must be a decimal string greater than zero, at most 10^15',
  nonNegative: 'must be a decimal string, zero or more, at most 10^15',
  signed: 'must be a decimal string, optionally negative, at most 10^15 in size',
};

const amount = (kind: AmountKind) =>
  pattern(new RegExp(amountSource(kind, MAX_DIGITS)), `${AMOUNT_MESSAGE[kind]}, with at most ${MAX_DIGITS} decimals`, 40).openapi({
    example: kind === 'signed' ? '-100.50' : '100.50',
    description: AMOUNT_DESCRIPTION[kind],
  });

/** An amount that moves money: greater than zero. */
export const AmountIn = amount('positive');
/** An amount that may be zero: a limit, an overdraft. */
export const NonNegativeAmountIn = amount('nonNegative');
/** A bound of a balance range: may be negative. */
export const SignedAmountIn = amount('signed');

/**
 * An amount its field's schema let through, in minor units of `currency`. What is left to refuse
 * is a rule of the currency (more decimals than it has): 422 VALIDATION_ERROR naming the field.
 */
export const toMinor = (amount: string, currency: string, options: ParseAmountOptions = {}) =>
  businessRules(() => parseAmount(amount, currency, options));

/** The same for a bound of a range, which may be negative. */
export const toSignedMinor = (amount: string, currency: string, field: string) =>
  businessRules(() => parseSignedAmount(amount, currency, field));
