import { getRefId } from '@asteasolutions/zod-to-openapi';
import { z } from '@hono/zod-openapi';
import currencyCodes from 'currency-codes';
import countries from 'i18n-iso-countries';
import { isCurrency, minorUnits } from '../domain/currency';
import { type ParseAmountOptions, parseAmount, parseSignedAmount } from '../domain/money';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/paging';
import { CONTROL_CHARACTERS } from '../domain/text';
import { businessRules } from './errors';
import { base64urlOfRun } from './schemas/base64url';

/**
 * The request schemas say exactly what the API accepts (the fuzz run holds them to it with
 * Schemathesis's positive_data_acceptance and negative_data_rejection checks):
 * - a string is one documented `pattern` (a second `.regex()` would not appear in the document),
 *   and its length limit counts characters (code points), as JSON Schema does;
 * - request bodies are strict objects (`body()`): an unknown field is 400, and documented as
 *   `additionalProperties: false`;
 * - rules between fields (either this or that, one field needs another) are documented with
 *   `documented()` as JSON Schema next to the check that enforces them (400);
 * - what no field's schema can say is 422 VALIDATION_ERROR (api/errors.ts `businessRules`), never
 *   400: a check digit, a date in the future, a business state, and an amount's decimals for its
 *   currency (the body's or an account's: `toMinor`), said in the amount's description.
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

// ---------------------------------------------------------------------------------------------
// Amounts: decimal strings (README: "amounts are decimal strings"), the one grammar of
// domain/money.ts: no sign, exponent, leading zero, bare or trailing dot; at most 10^15 major
// units; at most the currency's minor-unit digits (ISO 4217: JPY 0, EUR 2, BHD 3), else 422.

/** The most minor-unit digits a currency has (CLF, UYW: 4): the most decimals an amount can have. */
const MAX_DIGITS = Math.max(...CURRENCY_CODES.map(minorUnits));

type AmountKind = 'positive' | 'nonNegative' | 'signed';

/** The amounts of `kind` with at most `digits` decimals, up to 10^15 major units. */
function amountSource(kind: AmountKind, digits: number): string {
  const fraction = digits === 0 ? '' : `(?:\\.[0-9]{1,${digits}})?`;
  const limit = `1000000000000000${digits === 0 ? '' : `(?:\\.0{1,${digits}})?`}`;
  let body: string;
  if (kind === 'positive') {
    // A fraction of a unit: at least one digit that is not 0.
    const small = Array.from({ length: digits }, (_, zeros) => {
      const rest = digits - zeros - 1;
      return `${'0'.repeat(zeros)}[1-9]${rest === 0 ? '' : `[0-9]{0,${rest}}`}`;
    }).join('|');
    body = [`[1-9][0-9]{0,14}${fraction}`, ...(digits === 0 ? [] : [`0\\.(?:${small})`]), limit].join('|');
  } else {
    body = [`(?:0|[1-9][0-9]{0,14})${fraction}`, limit].join('|');
  }
  return `^${kind === 'signed' ? '-?' : ''}(?:${body})$`;
}

const DECIMALS = "with at most its currency's minor-unit digits (ISO 4217: JPY 0, EUR 2, BHD 3; more is 422 VALIDATION_ERROR)";
const AMOUNT_DESCRIPTION = {
  positive: `Decimal string greater than zero, up to 10^15, ${DECIMALS}`,
  nonNegative: `Decimal string, zero or more, up to 10^15, ${DECIMALS}`,
  signed: `Decimal string, optionally negative, up to 10^15 in size, ${DECIMALS}`,
};

const AMOUNT_MESSAGE = {
  positive: 'must be a decimal string greater than zero, at most 10^15',
  nonNegative: 'must be a decimal string, zero or more, at most 10^15',
  signed: 'must be a decimal string, optionally negative, at most 10^15 in size',
};

const amount = (kind: AmountKind) =>
  pattern(new RegExp(amountSource(kind, MAX_DIGITS)), `${AMOUNT_MESSAGE[kind]}, with at most ${MAX_DIGITS} decimals`, 40).openapi({
    example: kind === 'signed' ? '-100.50' : '100.50',
    description: AMOUNT_DESCRIPTION[kind],
  });

/** An amount that moves money: greater than zero. */
export const AmountIn = amount('positive');
/** An amount that may be zero: a limit, an overdraft. */
export const NonNegativeAmountIn = amount('nonNegative');
/** A bound of a balance range: may be negative. */
export const SignedAmountIn = amount('signed');

/**
 * A rule between the fields of a request body: the JSON Schema that documents it, and the check
 * that enforces it (a 400 naming the field), kept together so the two cannot drift apart.
 */
export interface BodyRule {
  json: object;
  check?: (value: Record<string, unknown>) => { path: string; message: string } | undefined;
}

/**
 * An amount its field's schema let through, in minor units of `currency`. What is left to refuse
 * is a rule of the currency (more decimals than it has): 422 VALIDATION_ERROR naming the field.
 */
export const toMinor = (amount: string, currency: string, options: ParseAmountOptions = {}) =>
  businessRules(() => parseAmount(amount, currency, options));

/** The same for a bound of a range, which may be negative. */
export const toSignedMinor = (amount: string, currency: string, field: string) =>
  businessRules(() => parseSignedAmount(amount, currency, field));

const given = (value: Record<string, unknown>, field: string) => value[field] !== undefined;

/** Exactly one of `fields` is given. */
export const exactlyOne = (fields: string[], message = `give exactly one of ${fields.join(', ')}`): BodyRule => ({
  json: { oneOf: fields.map((field) => ({ required: [field] })) },
  check: (value) => (fields.filter((f) => given(value, f)).length === 1 ? undefined : { path: fields[0] as string, message }),
});

/** At least one of `fields` is given. */
export const atLeastOne = (fields: string[], message = `${fields.join(' or ')} is required`): BodyRule => ({
  json: { anyOf: fields.map((field) => ({ required: [field] })) },
  check: (value) => (fields.some((f) => given(value, f)) ? undefined : { path: fields[0] as string, message }),
});

/** Each field, when given, needs the fields listed with it. */
export const requires = (dependencies: Record<string, string[]>, message?: (field: string, needed: string) => string): BodyRule => ({
  json: { dependentRequired: dependencies },
  check: (value) => {
    for (const [field, needs] of Object.entries(dependencies)) {
      if (!given(value, field)) continue;
      const missing = needs.find((n) => !given(value, n));
      if (missing) return { path: missing, message: message?.(field, missing) ?? `${missing} is required with ${field}` };
    }
    return undefined;
  },
});

/** A rule zod already enforces (a superRefine of its own), documented as JSON Schema. */
export const enforcedBy = (json: object): BodyRule => ({ json });

/**
 * A strict request body: an unknown field is 400 (a typo must not be ignored silently), documented
 * as `additionalProperties: false`. api/router.ts refuses to register a JSON body that is not.
 */
export const body = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);

/**
 * A named body schema with its rules between fields: each is checked (400 naming the field) and
 * documented (`allOf` of their JSON Schema).
 */
export function documented<T extends z.ZodTypeAny>(schema: T, name: string, ...rules: BodyRule[]): T {
  const checked = rules.some((r) => r.check)
    ? (schema.superRefine((value, ctx) => {
        if (typeof value !== 'object' || value === null) return;
        for (const rule of rules) {
          const problem = rule.check?.(value as Record<string, unknown>);
          if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
        }
      }) as unknown as T)
    : schema;
  return checked.openapi(name, rules.length === 0 ? {} : ({ allOf: rules.map((r) => r.json) } as never)) as T;
}

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

// ---------------------------------------------------------------------------------------------
// Dates and times: years 1970 to 9999 as written (year 0 and its like are valid ISO but no
// Postgres date). A timestamp's year stops at 9998, so its instant in UTC stays below year 10000
// whatever its offset (a Date there serialises as "+010000-..." which Postgres refuses).

const YEARS_1970_9998 = '(?:19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])';
const MONTH_DAY = '-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])';
const TIME = 'T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])';

/** ISO 8601 date-time with seconds and an offset (Z or +hh:mm), years 1970-9998. */
export const TimestampIn = z.iso
  .datetime({ offset: true, error: 'must be a date-time such as 2026-11-25T10:00:00Z' })
  .regex(new RegExp(`^${YEARS_1970_9998}${MONTH_DAY}${TIME}$`), 'must lie in the years 1970 to 9998')
  .openapi({ format: 'date-time', example: '2026-11-25T10:00:00Z' });

/**
 * A UTC calendar day, YYYY-MM-DD, years 1970-9998: a day's end (the next midnight, which ranges
 * and statements query up to) must stay below year 10000 too, so 9999-12-31 is 400, never a 500.
 */
export const DateIn = z.iso
  .date('must be a date such as 2026-11-24')
  .regex(new RegExp(`^${YEARS_1970_9998}${MONTH_DAY}$`), 'must lie in the years 1970 to 9998')
  .openapi({ format: 'date', example: '2026-11-24', description: 'UTC date, YYYY-MM-DD' });

// ---------------------------------------------------------------------------------------------
// Paging.

/**
 * The cursor of the lists paged by seq (domain/paging.ts): base64url of "s:" and 1 to 18 digits,
 * exactly, or empty for the first page. 18 digits keep every cursor inside Postgres's bigint (a
 * 19-digit one may not be), and a list would need 10^18 rows to reach past them.
 */
export const Cursor = pattern(
  new RegExp(`^(?:${base64urlOfRun(['s', ':'], '0123456789', 18)})?$`),
  'must be the nextCursor of a previous page',
  27,
).openapi({ description: 'nextCursor of the previous page (empty or left out: the first page)' });

/** A query `limit`: digits, 1 to MAX_PAGE_SIZE. */
const LimitQuery = pattern(/^[0-9]{1,18}$/, `must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE))
  .openapi({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, description: `default ${DEFAULT_PAGE_SIZE}, max ${MAX_PAGE_SIZE}` });

export const PageQuery = {
  limit: LimitQuery.optional(),
  cursor: Cursor.optional(),
};

/** The same paging fields in a JSON body: `limit` is a JSON integer there. */
export const PageBody = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .openapi({ description: `default ${DEFAULT_PAGE_SIZE}, max ${MAX_PAGE_SIZE}` }),
  cursor: Cursor.optional(),
};

/** A page of named items, itself named `<Item>Page`: one component per item type, shared by every list of it. */
export function pageOf<T extends z.ZodTypeAny>(item: T) {
  const name = getRefId(item as never);
  if (!name) throw new Error('pageOf needs a named item schema (.openapi("Name"))');
  const known = pages.get(name);
  if (known) return known as ReturnType<typeof page<T>>;
  const schema = page(item).openapi(`${name}Page`);
  pages.set(name, schema);
  return schema;
}

const pages = new Map<string, z.ZodTypeAny>();

const page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: 'The cursor of the next page; null on the last page' }),
  });

export const IdempotencyHeader = z.object({
  'idempotency-key': text(255, 1)
    .optional()
    .openapi({ description: 'Repeat-safe key (1-255 chars): the same key and body replay the first response' }),
});
