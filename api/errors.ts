import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { DomainError, ErrorCode, type ErrorMetadata } from '../domain/errors';
import { type DatabaseTrouble, databaseTrouble } from '../ledger/databaseTrouble';
import { envelopeError, failure } from './envelope';

/**
 * The HTTP status of every code, in one table: a Record over ErrorCode, so a new code that is not
 * given a status here does not compile (and never falls through to a 500).
 */
const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_KEY_IN_PROGRESS: 409,
  CONCURRENT_MODIFICATION: 409,
  ALREADY_EXISTS: 409,
  EXISTS_WITH_DIFFERENT_FIELDS: 409,
  // Business rules.
  INSUFFICIENT_FUNDS: 422,
  INVALID_STATE_TRANSITION: 422,
  ACCOUNT_NOT_ACTIVE: 422,
  CLIENT_BLOCKED: 422,
  CURRENCY_MISMATCH: 422,
  CURRENCY_NOT_SUPPORTED: 422,
  SAME_ACCOUNT: 422,
  OTP_INVALID: 422,
  OTP_EXPIRED: 422,
  OTP_ATTEMPTS_EXCEEDED: 422,
  QUOTE_EXPIRED: 422,
  DOCUMENT_REQUIRED: 422,
  ACCOUNT_NOT_EMPTY: 422,
  LIMIT_EXCEEDED: 422,
  PENDING_ALREADY_RESOLVED: 422,
  AMOUNT_EXCEEDS_PENDING: 422,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

export const statusOf = (code: ErrorCode): ContentfulStatusCode => HTTP_STATUS[code];

/** Every zod issue as one VALIDATION_ERROR with its JSON path in `field`. */
export function validationFailure(error: ZodError) {
  return failure(
    error.issues.map((issue) =>
      envelopeError(ErrorCode.VALIDATION_ERROR, issue.message, { field: issue.path.map(String).join('.') || 'body' }),
    ),
  );
}

/** The code of each error answer, by request: what the app checks against the document (api/docs.ts). */
const ANSWERED_CODES = new WeakMap<Request, ErrorCode>();
export const answeredCode = (c: Context): ErrorCode | undefined => ANSWERED_CODES.get(c.req.raw);

export function errorJson(
  c: Context,
  code: ErrorCode,
  message: string,
  metadata: ErrorMetadata = {},
  status: ContentfulStatusCode = statusOf(code),
) {
  ANSWERED_CODES.set(c.req.raw, code);
  if (typeof metadata.retryAfterSeconds === 'number') c.header('Retry-After', String(metadata.retryAfterSeconds));
  // RFC 6750: a 401 names the scheme the client should authenticate with.
  if (code === ErrorCode.UNAUTHENTICATED) c.header('WWW-Authenticate', 'Bearer');
  return c.json(failure([envelopeError(code, message, metadata)]), status);
}

/** VALIDATION_ERRORs raised by a business rule (see businessRules): answered 422, not 400. */
const RULE_VIOLATIONS = new WeakSet<DomainError>();

/**
 * Runs a use case (or a parse) whose VALIDATION_ERRORs are rules no field's schema can express: a
 * check digit, a date that must not lie in the future, one field against another (an amount's
 * decimals and its currency, to before from), the caller's own accounts, an exchange rate. The
 * request fitted its fields' schemas, so they are 422 (code VALIDATION_ERROR, with the field), like
 * every other business rule; 400 means a field or the body's shape is wrong.
 */
export async function businessRules<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.VALIDATION_ERROR) RULE_VIOLATIONS.add(error);
    throw error;
  }
}

/** What a client is told to wait (Retry-After) before it retries after a 503 of passing database trouble or a deadline. */
export const RETRY_AFTER_SECONDS = 2;

/** A 503's message by kind of database trouble (metadata.reason is `database_<kind>`). */
const DATABASE_TROUBLE: Record<DatabaseTrouble, string> = {
  unavailable: 'the database is not available',
  busy: 'the database has no connection to spare',
  timeout: 'the database did not finish in time',
};

/** Logger the app's onError reports unexpected errors to (the details never reach the client). */
export type ErrorLogger = (error: unknown, context: { method: string; path: string }) => void;

/** The one place that turns an error thrown anywhere in a request into the envelope. */
export function handleError(error: unknown, c: Context, logUnexpected: ErrorLogger) {
  if (error instanceof DomainError) {
    return errorJson(c, error.code, error.message, error.metadata, RULE_VIOLATIONS.has(error) ? 422 : statusOf(error.code));
  }
  if (error instanceof ZodError) return c.json(validationFailure(error), 400);
  if (error instanceof HTTPException) {
    if (error.status === 413) return errorJson(c, ErrorCode.PAYLOAD_TOO_LARGE, 'request body is too large');
    if (error.status === 401) return errorJson(c, ErrorCode.UNAUTHENTICATED, error.message || 'unauthenticated');
    if (error.status < 500) return errorJson(c, ErrorCode.VALIDATION_ERROR, error.message || 'malformed request', { field: 'body' });
  }
  const trouble = databaseTrouble(error);
  if (trouble) {
    return errorJson(c, ErrorCode.SERVICE_UNAVAILABLE, `${DATABASE_TROUBLE[trouble]}; retry with the same Idempotency-Key`, {
      reason: `database_${trouble}`,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    });
  }
  logUnexpected(error, { method: c.req.method, path: c.req.path });
  return errorJson(c, ErrorCode.INTERNAL_ERROR, 'an unexpected error occurred');
}
