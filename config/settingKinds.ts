import { z } from 'zod';
import { isCurrency } from '../domain/currency';
import { isPlainDecimal } from '../domain/money';
import type { Bounds } from '../domain/settingBounds';
import { type PayloadKeys, payloadKeysFrom } from './payloadKeys';

/**
 * The kinds of setting an environment variable can hold, each a zod schema from the variable's
 * text to its value, with the error message an operator reads at start. A kind also says what it
 * allows in words (`allowed`), which the README's configuration table prints: the table and the
 * check cannot disagree.
 */
export type Kind<T> = z.ZodType<T, string>;

/** What a kind allows, in words, for the README's configuration table; a number's bounds too, for the tests. */
export const ALLOWED = z.registry<{ allowed: string; bounds?: Bounds }>();

function kind<T>(schema: Kind<T>, allowed: string, bounds?: Bounds): Kind<T> {
  ALLOWED.add(schema, { allowed, ...(bounds ? { bounds } : {}) });
  return schema;
}

const WHOLE_NUMBER = /^-?[0-9]+$/;

/**
 * A whole number within bounds. Only digits: Number() would also take "0x10", "1e3" and " 5 ",
 * which no operator means as a count.
 */
export function integer(bounds: Bounds, unit: (value: number) => string = String): Kind<number> {
  const range = `${unit(bounds.min)} to ${unit(bounds.max)}`;
  return kind(
    z
      .string()
      .regex(WHOLE_NUMBER, { error: `is not a whole number (allowed: ${range})` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(bounds.min, { error: `is below ${unit(bounds.min)} (allowed: ${range})` })
          .max(bounds.max, { error: `is above ${unit(bounds.max)} (allowed: ${range})` }),
      ),
    range,
    bounds,
  );
}

const UNITS_MS: [number, string][] = [
  [24 * 3600_000, 'days'],
  [3600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

/** 600000 as "10 min": the largest unit that divides it, so the range reads as the operator thinks of it. */
export function readableMs(ms: number): string {
  const [size, name] = UNITS_MS.find(([size]) => ms !== 0 && ms % size === 0) ?? [1, 'ms'];
  return `${ms / size} ${name === 'days' && ms === size ? 'day' : name}`;
}

/** How many of something: at least one (a count of 0 passes a "non-negative" check and then blocks everything). */
export const count = (max: number, min = 1): Kind<number> => integer({ min, max });

/** A duration in milliseconds, above zero unless the bounds say 0 means something. */
export const milliseconds = (bounds: Bounds): Kind<number> => integer(bounds, readableMs);

export const seconds = (bounds: Bounds): Kind<number> => integer(bounds, (value) => readableMs(value * 1000));

export const days = (bounds: Bounds): Kind<number> => integer(bounds, (value) => `${value} ${value === 1 ? 'day' : 'days'}`);

export const port = (): Kind<number> => integer({ min: 1, max: 65_535 });

export const flag = (): Kind<boolean> =>
  kind(
    z.enum(['true', 'false'], { error: 'must be true or false' }).transform((text) => text === 'true'),
    '`true`, `false`',
  );

export function oneOf<const T extends readonly [string, ...string[]]>(values: T): Kind<T[number]> {
  const listed = values.map((value) => `\`${value}\``).join(', ');
  return kind(z.enum(values, { error: `must be one of ${values.join(', ')}` }), listed);
}

export const text = (allowed = 'text'): Kind<string> => kind(z.string(), allowed);

/** A key of at least `min` characters (a shorter HMAC key can be guessed). */
export const secret = (min = 32): Kind<string> =>
  kind(z.string().min(min, { error: `must be at least ${min} characters` }), `${min}+ characters`);

/** Comma-separated values, blanks dropped. */
export const list = (): Kind<string[]> =>
  kind(
    z.string().transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
    'comma-separated list',
  );

/** A decimal amount as text ("0.50"), never a float: money stays exact from the environment on. */
const PLAIN_DECIMAL = 'must be a plain decimal string such as "0.50"';
export const plainDecimal = z.string({ error: PLAIN_DECIMAL }).refine(isPlainDecimal, { error: PLAIN_DECIMAL });

export const decimal = (): Kind<string> => kind(z.string().pipe(plainDecimal), 'plain decimal, e.g. `0.50`');

/** An ISO 4217 currency code, or `*` for every currency not listed. */
export const currencyOrAny = z.string().refine((code) => code === '*' || isCurrency(code), { error: 'is not a currency code' });

/** The message of a JSON object that is not one, or that has a key no one reads (a typo would be ignored silently). */
export const objectProblem = (issue: z.core.$ZodRawIssue): string =>
  issue.code === 'unrecognized_keys' ? `has unknown keys: ${(issue.keys as string[]).join(', ')}` : 'must be a JSON object';

/** JSON checked by `schema`; the message of a bad document shows an example of a good one. */
export function json<T>(schema: z.ZodType<T>, example: string): Kind<T> {
  return kind(
    z
      .string()
      .transform((value, context): unknown => {
        try {
          return JSON.parse(value);
        } catch {
          context.addIssue({ code: 'custom', message: `is not JSON (for example ${example})` });
          return z.NEVER;
        }
      })
      .pipe(schema),
    `JSON, e.g. \`${example}\``,
  );
}

/** `<key id>:<base64 of 32 bytes>,...` (config/payloadKeys.ts), as PAYLOAD_ENCRYPTION_KEYS and WEBHOOK_SECRET_KEYS take. */
export const aesKeys = (): Kind<PayloadKeys> =>
  kind(
    z.string().transform((value, context): PayloadKeys => {
      try {
        return payloadKeysFrom(value, (message) => {
          throw new KeyProblem(message.replace(/^[A-Z_]+: /, ''));
        }) as PayloadKeys;
      } catch (error) {
        if (!(error instanceof KeyProblem)) throw error;
        context.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    }),
    '`<key id>:<base64 of 32 bytes>,...`',
  );

class KeyProblem extends Error {}

/** A time of day, `HH:MM` on a 24 h clock. */
export const timeOfDay = (): Kind<string> =>
  kind(z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { error: 'must be HH:MM (24 h)' }), '`HH:MM` (24 h)');
