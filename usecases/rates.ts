import type { FxPolicy } from '../config/env';
import { DomainError, ErrorCode } from '../domain/errors';
import { type Ratio, ratioOf } from '../domain/fx';

/**
 * Where mid rates come from. The local adapter reads a configured table; a real feed (a market
 * data provider) implements the same interface and is passed to the use cases instead.
 */
export interface RatesSource {
  /** Units of `buy` per one unit of `sell` at mid market, exactly. */
  midRate(sell: string, buy: string): Promise<Ratio>;
}

/** A configured table of mid rates, each in units per one unit of the base currency. */
export function createLocalRates(policy: Pick<FxPolicy, 'rates' | 'base'>): RatesSource {
  const perBase = (currency: string): Ratio => {
    if (currency === policy.base) return { num: 1n, den: 1n };
    const rate = policy.rates[currency];
    if (rate === undefined) throw new DomainError(ErrorCode.CURRENCY_NOT_SUPPORTED, `no exchange rate for ${currency}`);
    return ratioOf(rate);
  };
  return {
    async midRate(sell, buy) {
      // buy per sell = (buy per base) / (sell per base)
      const s = perBase(sell);
      const b = perBase(buy);
      return { num: b.num * s.den, den: b.den * s.num };
    },
  };
}
