import { z } from '@hono/zod-openapi';
import countries from 'i18n-iso-countries';
import { isCurrency } from '../domain/currency';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/paging';
import { CONTROL_CHARACTERS } from '../domain/text';

/** Longest free text the API stores (names, descriptions, references). */
export const MAX_TEXT_LENGTH = 500;

export const Uuid = z.uuid().openapi({ example: '0192f0c4-8a3b-7c2e-9d4f-5a6b7c8d9e0f' });

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 currency code')
  .refine(isCurrency, { message: 'must be an upper-case ISO 4217 currency code' })
  .openapi({ example: 'EUR', description: 'ISO 4217 alphabetic code, upper case' });

export const Country = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166 alpha-2 code')
  .refine((code) => countries.isValid(code), 'must be an upper-case ISO 3166 alpha-2 code')
  .openapi({ example: 'DE' });

/** Amounts go out as decimal strings; in, a string or a JSON number (checked against the currency later). */
export const AmountIn = z
  .union([z.string().max(40), z.number()])
  .openapi({ type: 'string', example: '100.50', description: "Decimal amount with at most the currency's minor-unit digits" });

export const AmountOut = z.string().openapi({ example: '100.50' });

// Refused at the edge, so none reaches the database (Postgres refuses NUL in text) or a workflow
// (where it would fail an activity again and again).
const NO_CONTROL_CHARACTERS = new RegExp(`^[^${CONTROL_CHARACTERS.source.slice(1, -1)}]*$`);

/** Any string a caller sends: at most `max` characters and no control characters. */
export const text = (max: number) => z.string().max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');

/** Free text: descriptions, references, notes. */
export const Text = text(MAX_TEXT_LENGTH);

/** A name: trimmed, 1 to 200 characters. */
export const Name = z.string().trim().min(1).max(200).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');

export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' });

/** ISO 8601 date-time input, parsed to a Date. */
/** Times and dates a caller sends lie in years 1970-9999: year 0 and its like are valid ISO but no Postgres timestamp. */
export const inSaneYears = (text: string) => {
  const ms = Date.parse(text);
  return ms >= Date.UTC(1970, 0, 1) && ms < Date.UTC(10000, 0, 1);
};

export const TimestampIn = z.iso
  .datetime({ offset: true })
  .refine(inSaneYears, 'must lie between 1970 and 9999')
  .openapi({ example: '2026-11-25T10:00:00Z' });

export const PageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .openapi({ description: `default ${DEFAULT_PAGE_SIZE}, max ${MAX_PAGE_SIZE}` }),
  cursor: text(100).optional().openapi({ description: 'nextCursor of the previous page' }),
};

export function pageOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const IdempotencyHeader = z.object({
  'idempotency-key': text(255)
    .min(1)
    .optional()
    .openapi({ description: 'Repeat-safe key (1-255 chars): the same key and body replay the first response' }),
});
