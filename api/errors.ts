import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { BUSINESS_RULE_CODES, DomainError, ErrorCode, type ErrorMetadata } from '../domain/errors';
import { isDatabaseUnavailable } from '../ledger/db';
import { envelopeError, failure } from './envelope';

/** HTTP status of each non-422 code; every business-rule code is 422. */
const STATUS_OF: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_KEY_IN_PROGRESS: 409,
  CONCURRENT_MODIFICATION: 409,
  ALREADY_EXISTS: 409,
  EXISTS_WITH_DIFFERENT_FIELDS: 409,
  PAYLOAD_TOO_LARGE: 413,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  if (BUSINESS_RULE_CODES.has(code)) return 422;
  return STATUS_OF[code] ?? 500;
}

/** Every zod issue as one VALIDATION_ERROR with its JSON path in `field`. */
export function validationFailure(error: ZodError) {
  return failure(
    error.issues.map((issue) =>
      envelopeError(ErrorCode.VALIDATION_ERROR, issue.message, { field: issue.path.map(String).join('.') || 'body' }),
    ),
  );
}

export function errorJson(c: Context, code: ErrorCode, message: string, metadata: ErrorMetadata = {}) {
  return c.json(failure([envelopeError(code, message, metadata)]), statusOf(code));
}

/** Logger the app's onError reports unexpected errors to (the details never reach the client). */
export type ErrorLogger = (error: unknown, context: { method: string; path: string }) => void;

/** The one place that turns an error thrown anywhere in a request into the envelope. */
export function handleError(error: unknown, c: Context, logUnexpected: ErrorLogger) {
  if (error instanceof DomainError) return errorJson(c, error.code, error.message, error.metadata);
  if (error instanceof ZodError) return c.json(validationFailure(error), 400);
  if (error instanceof HTTPException) {
    if (error.status === 413) return errorJson(c, ErrorCode.PAYLOAD_TOO_LARGE, 'request body is too large');
    if (error.status === 401) return errorJson(c, ErrorCode.UNAUTHENTICATED, error.message || 'unauthenticated');
    if (error.status < 500) return errorJson(c, ErrorCode.VALIDATION_ERROR, error.message || 'malformed request', { field: 'body' });
  }
  if (isDatabaseUnavailable(error)) {
    return errorJson(c, ErrorCode.SERVICE_UNAVAILABLE, 'the database is not available; retry with the same Idempotency-Key');
  }
  logUnexpected(error, { method: c.req.method, path: c.req.path });
  return errorJson(c, ErrorCode.INTERNAL_ERROR, 'an unexpected error occurred');
}
