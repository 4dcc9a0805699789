/**
 * Stable machine codes of docs/api.md. Every failure the service reports carries one of these;
 * api/errors.ts maps each to its HTTP status in one table the compiler checks for totality.
 */
export const ErrorCode = {
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_PROGRESS: 'IDEMPOTENCY_KEY_IN_PROGRESS',
  CONCURRENT_MODIFICATION: 'CONCURRENT_MODIFICATION',
  /** A unique business key (externalId, an internal account's currency and purpose) is taken. */
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  /** A ledger id reused with different fields (TigerBeetle's exists_with_different_*). */
  EXISTS_WITH_DIFFERENT_FIELDS: 'EXISTS_WITH_DIFFERENT_FIELDS',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  ACCOUNT_NOT_ACTIVE: 'ACCOUNT_NOT_ACTIVE',
  CLIENT_BLOCKED: 'CLIENT_BLOCKED',
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  CURRENCY_NOT_SUPPORTED: 'CURRENCY_NOT_SUPPORTED',
  SAME_ACCOUNT: 'SAME_ACCOUNT',
  OTP_INVALID: 'OTP_INVALID',
  OTP_EXPIRED: 'OTP_EXPIRED',
  OTP_ATTEMPTS_EXCEEDED: 'OTP_ATTEMPTS_EXCEEDED',
  QUOTE_EXPIRED: 'QUOTE_EXPIRED',
  /** A transfer at or above the document threshold confirmed before a document was attached. */
  DOCUMENT_REQUIRED: 'DOCUMENT_REQUIRED',
  ACCOUNT_NOT_EMPTY: 'ACCOUNT_NOT_EMPTY',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** A pending entry that was already posted or voided. */
  PENDING_ALREADY_RESOLVED: 'PENDING_ALREADY_RESOLVED',
  /** post_pending for more than the pending amount. */
  AMOUNT_EXCEEDS_PENDING: 'AMOUNT_EXCEEDS_PENDING',
  /** Too many requests of a kind; metadata.retryAfterSeconds says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A document whose content is not one of the accepted types. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** A dependency (Temporal, the database) did not answer in time; the request may be retried. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type ErrorMetadata = Record<string, string | number | boolean | null>;

/** A failure with a stable code: business rule, validation or not-found. Never a bug. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly metadata: ErrorMetadata = {},
  ) {
    super(message);
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, field: string) {
    super(ErrorCode.VALIDATION_ERROR, message, { field });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${what} ${id} not found`, { resource: what, id });
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  // hasOwn, not `in`: `in` would accept inherited names such as "toString".
  return typeof value === 'string' && Object.hasOwn(ErrorCode, value);
}
