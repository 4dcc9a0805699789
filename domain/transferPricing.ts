import { isSEPACountry } from 'ibantools';
import { minorUnits } from './currency';
import type { TransferType } from './transfer';

/** Fee per transfer type in major units of the transfer's currency (configurable, see config/env.ts). */
export type FeeSchedule = Record<'Internal' | 'Sepa' | 'Swift', string>;

export const DEFAULT_FEES: FeeSchedule = { Internal: '0', Sepa: '0.50', Swift: '15.00' };

/** Internal when the ledger holds the recipient's account; Sepa for EUR to a SEPA IBAN; else Swift. */
export function transferTypeFor(
  recipient: { isInternal: boolean; ibanCountry: string | null },
  currency: string,
): Exclude<TransferType, 'Fx'> {
  if (recipient.isInternal) return 'Internal';
  if (currency === 'EUR' && recipient.ibanCountry !== null && isSEPACountry(recipient.ibanCountry)) return 'Sepa';
  return 'Swift';
}

/** The fee in minor units; a schedule amount finer than the currency allows is rounded down. */
export function feeFor(type: Exclude<TransferType, 'Fx'>, currency: string, fees: FeeSchedule = DEFAULT_FEES): bigint {
  const [whole = '0', fraction = ''] = fees[type].split('.');
  const digits = minorUnits(currency);
  return BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0').slice(0, digits) || '0');
}

/** When the money should reach the recipient: now inside the ledger, else after 1 (Sepa) or 2 (Swift) business days. */
export function estimatedArrival(type: Exclude<TransferType, 'Fx'>, from: Date): Date {
  if (type === 'Internal') return from;
  let days = type === 'Sepa' ? 1 : 2;
  const date = new Date(from);
  while (days > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6) days -= 1;
  }
  return date;
}
