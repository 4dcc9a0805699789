import { composeIBAN, electronicFormatIBAN, extractIBAN, isValidBIC, isValidIBAN } from 'ibantools';
import { ValidationError } from './errors';

/** An IBAN in electronic format (no spaces, upper case) after checking country, length and checksum. */
export function normalizeIban(input: string, field: string): string {
  const iban = electronicFormatIBAN(input) ?? '';
  if (!isValidIBAN(iban)) throw new ValidationError('not a valid IBAN (country, length or check digits)', field);
  return iban;
}

export function normalizeBic(input: string, field: string): string {
  const bic = input.replace(/\s+/g, '').toUpperCase();
  if (!isValidBIC(bic)) throw new ValidationError('not a valid BIC', field);
  return bic;
}

export const ibanCountry = (iban: string | null) => (iban ? (extractIBAN(iban).countryCode ?? null) : null);

/** An IBAN or an account number, told apart by form (an IBAN starts with a country code). */
export interface AccountReference {
  iban: string | null;
  accountNumber: string | null;
}

/** An IBAN starts with a country code; a ledger account number is digits only. */
export function parseAccountReference(input: string, field: string): AccountReference {
  if (/^\d{6,34}$/.test(input)) return { iban: null, accountNumber: input };
  return { iban: normalizeIban(input, field), accountNumber: null };
}

/** A recipient as a client gives it: an IBAN or a ledger account number, with a BIC for an IBAN abroad. */
export interface RecipientFields {
  name: string;
  iban?: string | undefined;
  accountNumber?: string | undefined;
  bic?: string | undefined;
  country: string;
  currency: string;
  type: 'individual' | 'business';
}

/** Checks and normalises IBAN and BIC with ibantools (checksum, country, length). */
export function normalizeRecipient(input: RecipientFields, fieldPrefix = '') {
  return {
    name: input.name,
    iban: input.iban === undefined ? null : normalizeIban(input.iban, `${fieldPrefix}iban`),
    accountNumber: input.accountNumber ?? null,
    bic: input.bic === undefined ? null : normalizeBic(input.bic, `${fieldPrefix}bic`),
    country: input.country,
    currency: input.currency,
    type: input.type,
  };
}

/** Where this bank's IBANs come from: its country and bank code (configured). */
export interface IbanPolicy {
  country: string;
  bankCode: string;
}

/** The IBAN of a client account: the bank code and the account number form its basic account number. */
export function ibanFor(policy: IbanPolicy, accountNumber: string): string {
  const iban = composeIBAN({ countryCode: policy.country, bban: `${policy.bankCode}${accountNumber}` });
  if (!iban || !isValidIBAN(iban))
    throw new Error(`no valid ${policy.country} IBAN for bank code ${policy.bankCode} and account ${accountNumber}`);
  return iban;
}

/**
 * An IBAN or account number as shown to the other party of a transfer: enough to recognise it
 * (an IBAN's country and check digits, the last four characters), not enough to pay into it.
 */
export function maskAccountReference(value: string | null): string | null {
  if (value === null || value.length <= 4) return value === null ? null : '****';
  const head = /^[A-Z]{2}\d{2}/.test(value) ? value.slice(0, 4) : '';
  return `${head}${'*'.repeat(value.length - head.length - 4)}${value.slice(-4)}`;
}

/** Who sent an incoming transfer, as its payee sees it: a name and masked references, never ids. */
export interface SenderView {
  name: string | null;
  iban: string | null;
  accountNumber: string | null;
}

/** The stored sender (from the provider, or the paying client of an internal transfer) for display. */
export function senderView(sender: Record<string, unknown> | null): SenderView | null {
  if (sender === null) return null;
  const text = (key: string) => (typeof sender[key] === 'string' ? (sender[key] as string) : null);
  return { name: text('name'), iban: maskAccountReference(text('iban')), accountNumber: maskAccountReference(text('accountNumber')) };
}
