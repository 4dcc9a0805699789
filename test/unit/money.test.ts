import { describe, expect, it } from 'vitest';
import { ErrorCode, ValidationError } from '../../domain/errors';
import { formatAmount, parseAmount, parseSignedAmount } from '../../domain/money';

describe('parseAmount', () => {
  it.each([
    ['100.5', 'EUR', 10050n],
    ['100.50', 'EUR', 10050n],
    ['0.01', 'EUR', 1n],
    ['1', 'EUR', 100n],
    ['1500', 'JPY', 1500n],
    ['1.234', 'BHD', 1234n],
    ['0.001', 'BHD', 1n],
    [100.5, 'EUR', 10050n],
    [0.1, 'EUR', 10n],
    [1500, 'JPY', 1500n],
    ['1000000000000000', 'EUR', 100000000000000000n],
    ['1000000000000000.00', 'EUR', 100000000000000000n],
    ['999999999999999.99', 'EUR', 99999999999999999n],
  ])('parses %j %s as %s minor units', (input, currency, expected) => {
    expect(parseAmount(input, currency)).toBe(expected);
  });

  it.each([
    ['-1', 'EUR', 'negative'],
    ['0', 'EUR', 'zero'],
    ['0.00', 'EUR', 'zero'],
    [0, 'EUR', 'zero number'],
    ['1.001', 'EUR', 'too many decimals'],
    ['1.5', 'JPY', 'decimals for a 0-digit currency'],
    ['1.0', 'JPY', 'even a zero decimal for JPY'],
    ['1.0001', 'BHD', 'more than 3 digits for BHD'],
    ['NaN', 'EUR', 'NaN'],
    [Number.NaN, 'EUR', 'NaN number'],
    [Number.POSITIVE_INFINITY, 'EUR', 'Infinity'],
    ['Infinity', 'EUR', 'Infinity string'],
    ['1e3', 'EUR', 'exponent'],
    ['1E3', 'EUR', 'upper-case exponent'],
    [1e21, 'EUR', 'number printed with an exponent'],
    ['1000000000000000.01', 'EUR', 'above 10^15 major units'],
    ['10000000000000000', 'EUR', 'far above 10^15'],
    [0.30000000000000004, 'EUR', 'float noise'],
    ['', 'EUR', 'empty'],
    [' 1', 'EUR', 'leading space'],
    ['1 ', 'EUR', 'trailing space'],
    ['+1', 'EUR', 'plus sign'],
    ['01', 'EUR', 'leading zero'],
    ['.5', 'EUR', 'bare fraction'],
    ['5.', 'EUR', 'trailing dot'],
    ['1,5', 'EUR', 'decimal comma'],
    ['0x10', 'EUR', 'hex'],
    ['１', 'EUR', 'full-width digit'],
    [null, 'EUR', 'null'],
    [true, 'EUR', 'boolean'],
    [{}, 'EUR', 'object'],
  ] as [unknown, string, string][])('rejects %j %s (%s)', (input, currency) => {
    expect(() => parseAmount(input, currency)).toThrow(ValidationError);
  });

  it('rejects an unknown or lower-case currency', () => {
    for (const currency of ['XYZ', 'eur', 'EURO', '']) {
      expect(() => parseAmount('1', currency)).toThrow(ValidationError);
    }
  });

  it('names the field in the error', () => {
    try {
      parseAmount('1.001', 'EUR', { field: 'recipient.amount' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe(ErrorCode.VALIDATION_ERROR);
      expect((error as ValidationError).metadata.field).toBe('recipient.amount');
    }
  });

  it('accepts zero only when asked', () => {
    expect(parseAmount('0', 'EUR', { allowZero: true })).toBe(0n);
  });

  it('parses signed filter amounts', () => {
    expect(parseSignedAmount('-10.5', 'EUR', 'minBalance')).toBe(-1050n);
    expect(parseSignedAmount(-3, 'JPY', 'minBalance')).toBe(-3n);
    expect(parseSignedAmount('0', 'EUR', 'minBalance')).toBe(0n);
    expect(() => parseSignedAmount('--1', 'EUR', 'minBalance')).toThrow(ValidationError);
  });
});

describe('formatAmount', () => {
  it.each([
    [10050n, 'EUR', '100.50'],
    [1n, 'EUR', '0.01'],
    [0n, 'EUR', '0.00'],
    [-1n, 'EUR', '-0.01'],
    [-12345n, 'EUR', '-123.45'],
    [1500n, 'JPY', '1500'],
    [-1500n, 'JPY', '-1500'],
    [1234n, 'BHD', '1.234'],
    [100000000000000000n, 'EUR', '1000000000000000.00'],
  ])('formats %s %s as %s', (minor, currency, expected) => {
    expect(formatAmount(minor, currency)).toBe(expected);
  });

  it('round-trips with parseAmount', () => {
    for (const [text, currency] of [
      ['0.07', 'EUR'],
      ['123456789.12', 'USD'],
      ['42', 'JPY'],
      ['0.5', 'BHD'],
    ] as const) {
      expect(parseAmount(formatAmount(parseAmount(text, currency), currency), currency)).toBe(parseAmount(text, currency));
    }
  });
});
