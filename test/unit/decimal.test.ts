import { describe, expect, it } from 'vitest';
import { decimalToMinor, isPlainDecimal } from '../../domain/money';
import { feeFor } from '../../domain/transferPricing';

describe('the one decimal grammar', () => {
  it.each([
    ['0', 2, 'exact', 0n],
    ['12.5', 2, 'exact', 1250n],
    ['12.50', 2, 'exact', 1250n],
    ['12.500', 2, 'exact', 1250n],
    ['12.501', 2, 'exact', undefined],
    ['12.501', 2, 'up', 1251n],
    ['0.5', 0, 'up', 1n],
    ['0.5', 0, 'exact', undefined],
    ['15.00', 0, 'exact', 15n],
    ['1.2345', 3, 'up', 1235n],
    ['999999999999999999.99', 2, 'exact', 99999999999999999999n],
  ] as const)('%s with %i digits (%s) is %s', (text, digits, rounding, want) => {
    expect(decimalToMinor(text, digits, rounding)).toBe(want);
  });

  it.each(['', '-1', '+1', '1e3', '01', '1.', '.5', ' 1', '1,5', 'NaN', 'Infinity', '0x10', '1_000'])('refuses %j', (text) => {
    expect(isPlainDecimal(text)).toBe(false);
    expect(decimalToMinor(text, 2)).toBeUndefined();
  });

  it('rounds a fee finer than the currency up, never down to nothing', () => {
    const fees = { Internal: '0', Sepa: '0.50', Swift: '15.005' };
    expect(feeFor('Sepa', 'EUR', fees)).toBe(50n);
    expect(feeFor('Sepa', 'JPY', fees)).toBe(1n);
    expect(feeFor('Swift', 'EUR', fees)).toBe(1501n);
    expect(feeFor('Swift', 'BHD', fees)).toBe(15005n);
    expect(feeFor('Internal', 'JPY', fees)).toBe(0n);
  });
});
