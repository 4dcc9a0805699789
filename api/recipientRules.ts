import { electronicFormatIBAN, extractIBAN, isValidBIC, isValidIBAN } from 'ibantools';
import { ValidationError } from '../domain/errors';
import type { AccountRow } from '../ledger/accounts';
import type { Queryable } from '../ledger/db';

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

/** An IBAN starts with a country code; a ledger account number is digits only. */
export function parseAccountReference(input: string, field: string): { iban: string | null; accountNumber: string | null } {
  if (/^\d{6,34}$/.test(input)) return { iban: null, accountNumber: input };
  return { iban: normalizeIban(input, field), accountNumber: null };
}

/** The client account of this ledger with that IBAN or account number, if there is one. */
export async function findLedgerAccount(
  sql: Queryable,
  ref: { iban: string | null; accountNumber: string | null },
): Promise<AccountRow | undefined> {
  const [row] = await sql<[AccountRow?]>`
    SELECT * FROM accounts
    WHERE kind = 'client' AND (account_number = ${ref.accountNumber ?? ''} OR iban = ${ref.iban ?? ''})
    LIMIT 1`;
  return row;
}
