import { minorUnits } from './currency';
import { DomainError, ErrorCode } from './errors';
import { decimalToMinor, formatAmount } from './money';

/** A client's transfer limits of one currency, in major units as decimal strings. */
export interface CurrencyLimits {
  perTransfer?: string;
  daily?: string;
}

/** Per currency; `*` is the fallback for currencies not named (configuration only). */
export type TransferLimits = Record<string, CurrencyLimits>;

export const DEFAULT_TRANSFER_LIMITS: TransferLimits = { '*': { perTransfer: '10000', daily: '20000' } };

/** The limits in force for a client in a currency: the client's own, else the configured defaults. */
export function limitsFor(currency: string, client: TransferLimits, defaults: TransferLimits) {
  const own = client[currency] ?? {};
  const fallback = defaults[currency] ?? defaults['*'] ?? {};
  const minor = (value: string | undefined) => (value === undefined ? undefined : decimalToMinor(value, minorUnits(currency), 'exact'));
  return { perTransferMinor: minor(own.perTransfer ?? fallback.perTransfer), dailyMinor: minor(own.daily ?? fallback.daily) };
}

/**
 * docs/api.md: a transfer above `perTransfer`, or one that would take the client's outgoing total of
 * the UTC day in that currency past `daily`, is 422 LIMIT_EXCEEDED with `limit` and `used`.
 */
export function checkTransferLimits(
  currency: string,
  amountMinor: bigint,
  usedTodayMinor: bigint,
  limits: { perTransferMinor?: bigint; dailyMinor?: bigint },
): void {
  const money = (minor: bigint) => formatAmount(minor, currency);
  if (limits.perTransferMinor !== undefined && amountMinor > limits.perTransferMinor) {
    throw new DomainError(ErrorCode.LIMIT_EXCEEDED, `above the per-transfer limit of ${money(limits.perTransferMinor)} ${currency}`, {
      limit: money(limits.perTransferMinor),
      used: money(0n),
      kind: 'perTransfer',
    });
  }
  if (limits.dailyMinor !== undefined && usedTodayMinor + amountMinor > limits.dailyMinor) {
    throw new DomainError(ErrorCode.LIMIT_EXCEEDED, `above the daily limit of ${money(limits.dailyMinor)} ${currency}`, {
      limit: money(limits.dailyMinor),
      used: money(usedTodayMinor),
      kind: 'daily',
    });
  }
}
