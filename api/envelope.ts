import { getRefId } from '@asteasolutions/zod-to-openapi';
import { z } from '@hono/zod-openapi';
import { ErrorCode, type ErrorMetadata } from '../domain/errors';

/** One error of the FluentResults envelope. */
export interface EnvelopeError {
  message: string;
  metadata: ErrorMetadata & { code: ErrorCode };
  reasons: [];
}

/** The FluentResults envelope of every response, success or failure. */
export interface Envelope<T> {
  isSuccess: boolean;
  isFailed: boolean;
  value: T | null;
  reasons: EnvelopeError[];
  errors: EnvelopeError[];
  successes: [];
}

/** A success always carries its value. */
export interface Success<T> extends Envelope<T> {
  value: T;
}

export function success<T>(value: T): Success<T> {
  return { isSuccess: true, isFailed: false, value, reasons: [], errors: [], successes: [] };
}

export function failure(errors: EnvelopeError[]): Envelope<null> {
  // FluentResults repeats every error and success under `reasons`.
  return { isSuccess: false, isFailed: true, value: null, reasons: errors, errors, successes: [] };
}

export function envelopeError(code: ErrorCode, message: string, metadata: ErrorMetadata = {}): EnvelopeError {
  return { message, metadata: { ...metadata, code }, reasons: [] };
}

/**
 * An object of any fields (FluentResults' successes and nested reasons, always empty here), as
 * `additionalProperties: true`: openapi-generator cannot name the `{}` zod writes for z.unknown().
 */
const AnyObject = () => z.record(z.string(), z.unknown()).openapi({ additionalProperties: true });

/** Every code a failure can carry, as one named enum: clients can switch over it exhaustively. */
export const ErrorCodeSchema = z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]).openapi('ErrorCode', {
  description: 'The stable machine code of an error; api/errors.ts gives each its HTTP status',
});

// Not named "Error": generators for TypeScript, Java and others rename a model that shadows a
// built-in type (ModelError), with a warning per use.
const ErrorSchema = z
  .object({
    message: z.string(),
    metadata: z
      .object({ code: ErrorCodeSchema, field: z.string().optional().openapi({ description: 'The JSON path of the field at fault' }) })
      .catchall(z.unknown())
      // `true`, not the `{}` zod writes: openapi-generator cannot name an empty schema there (a warning per run).
      .openapi('ErrorMetadata', {
        additionalProperties: true,
        description: 'The code, and details that depend on it (field, resource, id, retryAfterSeconds...)',
      }),
    reasons: z.array(AnyObject()),
  })
  .openapi('ResultError');

/**
 * The component name of an envelope's value: its own name, `<Item>List` for an array of named
 * items. A value with neither is a schema no generator can name well, so registering it fails at
 * startup: name the value schema with `.openapi('Name')`.
 */
function valueName(value: z.ZodTypeAny): string {
  const own = getRefId(value as never);
  if (own) return own;
  const def = (value as unknown as { _zod: { def: { type: string; element?: z.ZodTypeAny } } })._zod.def;
  const item = def.type === 'array' && def.element ? getRefId(def.element as never) : undefined;
  if (item) return `${item}List`;
  throw new Error('an envelope value must be a named schema (.openapi("Name")) or an array of one');
}

const envelopes = new Map<string, z.ZodTypeAny>();

/**
 * The envelope of a success around a value schema, named `<Value>Result` so that every operation
 * with the same payload shares one component (one generated type per payload, not per operation).
 * On a success `value` is always there: nullability is declared on the failure only, never on
 * the payload's own component (a top-level `type: [object, null]` breaks most generators).
 */
export function envelopeOf<T extends z.ZodTypeAny>(value: T) {
  const name = `${valueName(value)}Result`;
  const known = envelopes.get(name);
  if (known) return known as ReturnType<typeof build<T>>;
  const schema = build(value).openapi(name, { description: `A success: the envelope around one ${valueName(value)}` });
  envelopes.set(name, schema);
  return schema;
}

function build<T extends z.ZodTypeAny>(value: T) {
  return z.object({
    isSuccess: z.boolean(),
    isFailed: z.boolean(),
    value,
    reasons: z.array(ErrorSchema),
    errors: z.array(ErrorSchema),
    successes: z.array(AnyObject()),
  });
}

/**
 * The envelope of every failure. Its `value` is always null; it is declared with no type rather
 * than `type: null`, which openapi-generator's python generator cannot map (it crashes).
 */
export const FailureEnvelope = z
  .object({
    isSuccess: z.boolean(),
    isFailed: z.boolean(),
    value: z.unknown().openapi({ description: 'Always null on a failure' }),
    reasons: z.array(ErrorSchema),
    errors: z.array(ErrorSchema).openapi({ description: 'At least one error; errors[0].metadata.code says what failed' }),
    successes: z.array(AnyObject()),
  })
  .openapi('Failure', { description: 'A failure: errors say what went wrong, value is null' });
