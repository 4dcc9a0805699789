import { z } from '@hono/zod-openapi';
import currencyCodes from 'currency-codes';
import countries from 'i18n-iso-countries';
import { isCurrency } from '../domain/currency';
import { CONTROL_CHARACTERS } from '../domain/text';

/**
 * The request schemas say exactly what the API accepts (the fuzz run holds them to it with
 * Schemathesis's positive_data_acceptance and negative_data_rejection checks):
 * - a string is one documented `pattern` (a second `.regex()` would not appear in the document),
 *   and its length limit counts characters (code points), as JSON Schema does;
 * - request bodies are strict objects (`body()`): an unknown field is 400, and documented as
 *   `additionalProperties: false`;
 * - rules between fields (either this or that, one field needs another) are documented with
 *   `documented()` (api/schemas/bodyRules.ts) as JSON Schema next to the check that enforces them (400);
 * - what no field's schema can say is 422 VALIDATION_ERROR (api/errors.ts `businessRules`), never
 *   400: a check digit, a date in the future, a business state, and an amount's decimals for its
 *   currency (the body's or an account's: `toMinor`, api/schemas/amounts.ts), said in the amount's description.
 */

/** Longest free text the API stores (names, descriptions, references). */
export const MAX_TEXT_LENGTH = 500;

/** Characters as JSON Schema counts them (code points), not UTF-16 units. */
export const characters = (text: string) => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

const CONTROL = CONTROL_CHARACTERS.source.slice(1, -1);
// Refused at the edge, so none reaches the database (Postgres refuses NUL in text) or a workflow
// (where it would fail an activity again and again).
const NO_CONTROL_CHARACTERS = new RegExp(`^[^${CONTROL}]*$`);

/** What String.prototype.trim removes, apart from the control characters (refused anyway). */
const BLANK = '\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';

/** A string of `min` to `max` characters (code points) matching `regex`, documented as exactly that. */
export function pattern(regex: RegExp, message: string, max?: number, min = 0) {
  let schema = z.string().regex(regex, message);
  if (min > 0) schema = schema.min(min, `at least ${min} characters`);
  if (max === undefined) return schema;
  return schema.refine((s) => characters(s) <= max, `at most ${max} characters`).openapi({ maxLength: max });
}

/** Any string a caller sends: `min` to `max` characters and no control characters. */
export const text = (max: number, min = 0) => pattern(NO_CONTROL_CHARACTERS, 'must not contain control characters', max, min);

/** Free text: descriptions, references, notes. */
export const Text = text(MAX_TEXT_LENGTH);

/** Free text that must be given: a reason, a note. */
export const RequiredText = text(MAX_TEXT_LENGTH, 1);

/**
 * A name: at most 200 characters, at least one of them not blank, no control characters; stored
 * trimmed. (The pattern is linear: blanks, then the first other character, then anything.)
 */
export const Name = pattern(
  new RegExp(`^[${BLANK}]*[^${CONTROL}${BLANK}][^${CONTROL}]*$`),
  'must hold a character other than blanks, and no control characters',
  200,
  1,
)
  .trim()
  .openapi({ maxLength: 200 });

export const Uuid = z
  .guid('must be a UUID (8-4-4-4-12 hexadecimal digits)')
  .openapi({ format: 'uuid', pattern: z.regexes.guid.source, example: '0192f0c4-8a3b-7c2e-9d4f-5a6b7c8d9e0f' });

export const Email = pattern(z.regexes.email, 'must be an e-mail address', 254).openapi({ example: 'ada@example.com' });

export const Phone = pattern(/^\+?[0-9 ()-]{5,32}$/, 'must be a phone number', 33).openapi({ example: '+41 44 123 45 67' });

/** Every ISO 4217 code with a defined number of minor units (domain/currency.ts isCurrency). */
export const CURRENCY_CODES = currencyCodes.codes().filter(isCurrency).sort() as [string, ...string[]];

export const Currency = z
  .enum(CURRENCY_CODES, { error: 'must be an upper-case ISO 4217 currency code' })
  .openapi('Currency', { example: 'EUR', description: 'ISO 4217 alphabetic code, upper case' });

export const Country = z
  .enum(Object.keys(countries.getAlpha2Codes()).sort() as [string, ...string[]], { error: 'must be an upper-case ISO 3166 alpha-2 code' })
  .openapi('Country', { example: 'DE', description: 'ISO 3166-1 alpha-2 code, upper case' });

/**
 * An IBAN as people write it: country, check digits, then 11 to 30 letters and digits, in either
 * case, with single spaces between them (print format). Its country, length and check digits are
 * checked by the use case: a wrong one is 422.
 */
export const Iban = pattern(/^[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30}$/, 'must be an IBAN', 42).openapi({
  example: 'DE89370400440532013000',
});

/** A BIC (ISO 9362): 8 or 11 letters and digits, in either case; its country is checked by the use case (422). */
export const Bic = pattern(/^[A-Za-z]{6}[A-Za-z0-9]{2}(?:[A-Za-z0-9]{3})?$/, 'must be a BIC of 8 or 11 characters', 11).openapi({
  example: 'COBADEFFXXX',
});

/** A one-time code: six digits. */
export const OtpCode = pattern(/^\d{6}$/, 'must be six digits', 6).openapi({ example: '123456' });

/** A ledger account number: digits only. */
export const AccountNumber = pattern(/^\d{6,34}$/, 'must be 6 to 34 digits', 34).openapi({ example: '100000000008' });

/**
 * An object of any fields, documented as `additionalProperties: true`: the `{}` zod writes is a
 * schema openapi-generator cannot name (a warning on every run).
 */
export const FreeObject = () => z.record(z.string(), z.unknown()).openapi({ additionalProperties: true });

export const AmountOut = z.string().openapi({ example: '100.50' });

export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' });

const actorFields = () => z.object({ role: z.enum(['client', 'system', 'ops']), sub: z.string() });

/** Who did something: the role and subject of the token. */
export const ActorSchema = actorFields().openapi('Actor');

/**
 * Who started a payment or transfer, or null for one from before it was recorded: inline, since a
 * nullable reference to Actor would make Actor itself nullable in the document.
 */
export const CreatedBySchema = (description: string) => actorFields().nullable().openapi({ description });

export const IdempotencyHeader = z.object({
  'idempotency-key': text(255, 1)
    .optional()
    .openapi({ description: 'Repeat-safe key (1-255 chars): the same key and body replay the first response' }),
});
