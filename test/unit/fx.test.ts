import { describe, expect, it } from 'vitest';
import { DEFAULT_FX_POLICY } from '../../config/env';
import { ErrorCode } from '../../domain/errors';
import { checkConvertible, clientRate, convert, planFxAction, ratioOf } from '../../domain/fx';
import { formatAmount, parseAmount } from '../../domain/money';
import { createLocalRates } from '../../usecases/rates';

/** sell -> buy at `rate`, amounts as the API writes them; EUR and USD 2 digits, JPY 0, BHD 3. */
describe('FX rounding is in the bank’s favour', () => {
  it.each([
    // from the sell amount: the buy amount is rounded down
    ['EUR', 'USD', '1.0795', '100.00', '107.95'],
    ['EUR', 'USD', '1.0795', '0.01', '0.01'], // 0.010795
    ['EUR', 'USD', '1.0795', '10.03', '10.82'], // 10.827385
    ['EUR', 'JPY', '161.6875', '10.00', '1616'], // 1616.875
    ['JPY', 'EUR', '0.0061538461', '1000', '6.15'], // 6.1538461
    ['USD', 'BHD', '0.375', '1.00', '0.375'], // exact
    ['USD', 'BHD', '0.3771', '12.34', '4.653'], // 4.653414
    ['BHD', 'JPY', '397.3', '1.001', '397'], // 397.6973
    ['JPY', 'BHD', '0.0025169', '999', '2.514'], // 2.5143831
  ])('sell %s -> %s at %s: selling %s buys %s', (sell, buy, rate, sellAmount, buyAmount) => {
    const result = convert(rate, sell, buy, { sellMinor: parseAmount(sellAmount, sell) });
    expect(formatAmount(result.buyMinor, buy)).toBe(buyAmount);
    expect(result.sellMinor).toBe(parseAmount(sellAmount, sell));
  });

  it.each([
    // from the buy amount: the sell amount is rounded up
    ['EUR', 'USD', '1.0795', '100.00', '92.64'], // 92.6354...
    ['EUR', 'JPY', '161.6875', '1000', '6.19'], // 6.1847...
    ['JPY', 'EUR', '0.0061538461', '10.00', '1626'], // 1625 buys only 9.99999991
    ['USD', 'BHD', '0.375', '0.375', '1.00'], // exact
    ['USD', 'BHD', '0.375', '0.376', '1.01'], // 1.00266...
    ['BHD', 'JPY', '397.3', '1', '0.003'], // 0.002517...
    ['JPY', 'BHD', '0.0025169', '1.000', '398'], // 397.31...
  ])('sell %s -> %s at %s: buying %s sells %s', (sell, buy, rate, buyAmount, sellAmount) => {
    const result = convert(rate, sell, buy, { buyMinor: parseAmount(buyAmount, buy) });
    expect(formatAmount(result.sellMinor, sell)).toBe(sellAmount);
    // What is sold pays for what is bought at the rate, and one minor unit less would not.
    const r = ratioOf(rate);
    const scale = (c: string) => 10n ** BigInt(c === 'JPY' ? 0 : c === 'BHD' ? 3 : 2);
    const pays = (sellMinor: bigint) => sellMinor * r.num * scale(buy) >= parseAmount(buyAmount, buy) * r.den * scale(sell);
    expect(pays(result.sellMinor)).toBe(true);
    expect(pays(result.sellMinor - 1n)).toBe(false);
  });

  it('quotes the client rate as mid less the spread, rounded down to 10 places', async () => {
    const rates = createLocalRates(DEFAULT_FX_POLICY);
    expect(clientRate(await rates.midRate('EUR', 'USD'), '0.005')).toBe('1.079575'); // 1.085 x 0.995
    expect(clientRate(await rates.midRate('USD', 'JPY'), '0.005')).toBe('149.0207373271'); // 162.5 / 1.085 x 0.995
    expect(clientRate(await rates.midRate('JPY', 'BHD'), '0.005')).toBe('0.0025043384'); // 0.409 / 162.5 x 0.995
    expect(clientRate(await rates.midRate('EUR', 'USD'), '0')).toBe('1.085');
  });

  it('refuses an amount that buys nothing', () => {
    const tiny = convert('0.0025169', 'JPY', 'BHD', { sellMinor: 1n }); // 1 JPY buys 0.0025 BHD: 2 fils
    expect(tiny.buyMinor).toBe(2n);
    const nothing = convert('0.0061538461', 'JPY', 'EUR', { sellMinor: 1n }); // 0.0061 EUR: not a cent
    expect(() => checkConvertible(nothing, 'JPY', 'EUR', 'sellAmount')).toThrowError(/too small/);
  });

  it('confirming an expired quote is QUOTE_EXPIRED; a repeat is unchanged', () => {
    expect(planFxAction('PendingConfirmation', 'confirm')).toBe('apply');
    expect(planFxAction('Completed', 'confirm')).toBe('unchanged');
    expect(planFxAction('Cancelled', 'cancel')).toBe('unchanged');
    expect(() => planFxAction('Expired', 'confirm')).toThrow(expect.objectContaining({ code: ErrorCode.QUOTE_EXPIRED }));
    expect(() => planFxAction('Completed', 'cancel')).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_STATE_TRANSITION }));
  });
});
