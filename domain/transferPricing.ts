import { isSEPACountry } from 'ibantools';
import { minorUnits } from './currency';
import { decimalToMinor } from './money';
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

/**
 * An incoming transfer's type. The provider's report names no payment scheme, so the currency
 * decides: EUR came by SEPA, anything else by SWIFT. The read model and the workflow's search
 * attribute both take it from here.
 */
export function incomingTransferType(currency: string): 'Sepa' | 'Swift' {
  return currency === 'EUR' ? 'Sepa' : 'Swift';
}

/**
 * The fee in minor units. A schedule amount finer than the currency's minor unit (0.50 in a
 * currency without decimals) is rounded up, in the bank's favour, never silently dropped.
 */
export function feeFor(type: Exclude<TransferType, 'Fx'>, currency: string, fees: FeeSchedule = DEFAULT_FEES): bigint {
  const minor = decimalToMinor(fees[type], minorUnits(currency), 'up');
  // The configuration is checked at start (config/env.ts), so this is a programming error.
  if (minor === undefined) throw new Error(`fee ${fees[type]} for ${type} is not a plain decimal`);
  return minor;
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
