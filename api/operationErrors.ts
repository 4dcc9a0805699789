import { ErrorCode } from '../domain/errors';
import { statusOf } from './errors';

const E = ErrorCode;

/**
 * The business codes (409 and 422; VALIDATION_ERROR here means its 422, a rule no field's schema
 * can express) each operation can answer with, by operationId, beyond those
 * every operation of its kind can meet (documentedCodes below). The document lists them under
 * their status (api/errors.ts's table decides which), and the app checks every error it answers
 * against the document (checkAnsweredCode): a code missing here is reported as an unexpected
 * error, which fails the test suite that met it.
 */
export const OPERATION_ERRORS: Readonly<Record<string, readonly ErrorCode[]>> = {
  createClient: [E.ALREADY_EXISTS],
  updateClient: [E.CURRENCY_NOT_SUPPORTED, E.VALIDATION_ERROR], // limits are keyed by currency
  completeOnboarding: [E.EXISTS_WITH_DIFFERENT_FIELDS, E.VALIDATION_ERROR],
  createAccount: [E.ALREADY_EXISTS, E.CLIENT_BLOCKED],
  getLedgerAccount: [E.CURRENCY_NOT_SUPPORTED],
  closeAccount: [E.ACCOUNT_NOT_EMPTY, E.OTP_INVALID, E.OTP_EXPIRED, E.OTP_ATTEMPTS_EXCEEDED, E.INVALID_STATE_TRANSITION],
  verifyAccountOtp: [E.OTP_INVALID, E.OTP_EXPIRED, E.OTP_ATTEMPTS_EXCEEDED],
  getTransaction: [E.VALIDATION_ERROR],

  createPayment: [E.ACCOUNT_NOT_ACTIVE, E.CLIENT_BLOCKED, E.CURRENCY_MISMATCH, E.INSUFFICIENT_FUNDS, E.SAME_ACCOUNT],
  createDraftPayment: [E.ACCOUNT_NOT_ACTIVE, E.CLIENT_BLOCKED, E.CURRENCY_MISMATCH, E.SAME_ACCOUNT],
  pendPayment: [E.ACCOUNT_NOT_ACTIVE, E.CLIENT_BLOCKED, E.INSUFFICIENT_FUNDS, E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
  postPayment: [E.ACCOUNT_NOT_ACTIVE, E.CLIENT_BLOCKED, E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
  cancelPayment: [E.ACCOUNT_NOT_ACTIVE, E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],

  createOutgoingTransfer: [E.ACCOUNT_NOT_ACTIVE, E.CLIENT_BLOCKED, E.CURRENCY_MISMATCH, E.INSUFFICIENT_FUNDS, E.LIMIT_EXCEEDED],
  confirmOutgoingTransfer: [
    E.ACCOUNT_NOT_ACTIVE,
    E.CLIENT_BLOCKED,
    E.DOCUMENT_REQUIRED,
    E.INVALID_STATE_TRANSITION,
    E.OTP_INVALID,
    E.OTP_EXPIRED,
    E.OTP_ATTEMPTS_EXCEEDED,
    E.CONCURRENT_MODIFICATION,
  ],
  cancelOutgoingTransfer: [E.ACCOUNT_NOT_ACTIVE, E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
  createFxTransfer: [E.ACCOUNT_NOT_ACTIVE, E.CLIENT_BLOCKED, E.CURRENCY_MISMATCH, E.INSUFFICIENT_FUNDS, E.SAME_ACCOUNT],
  confirmFxTransfer: [
    E.ACCOUNT_NOT_ACTIVE,
    E.CLIENT_BLOCKED,
    E.DOCUMENT_REQUIRED,
    E.INVALID_STATE_TRANSITION,
    E.OTP_INVALID,
    E.OTP_EXPIRED,
    E.OTP_ATTEMPTS_EXCEEDED,
    E.QUOTE_EXPIRED,
    E.CONCURRENT_MODIFICATION,
  ],
  cancelFxTransfer: [E.ACCOUNT_NOT_ACTIVE, E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
  resendConfirmation: [E.INVALID_STATE_TRANSITION],
  uploadTransferDocument: [E.INVALID_STATE_TRANSITION],
  assignIncomingTransfer: [E.INVALID_STATE_TRANSITION],
  returnIncomingTransfer: [E.INVALID_STATE_TRANSITION],
  releaseHold: [E.INVALID_STATE_TRANSITION],
  continueOutgoingTransfer: [E.INVALID_STATE_TRANSITION],
  executeOutgoingTransfer: [E.INVALID_STATE_TRANSITION],

  // The back office: a correction refused by the ledger answers with the ledger's code; a
  // decision meets only the approval's state (the approved action's own outcome is in its result).
  reversePayment: [E.ACCOUNT_NOT_ACTIVE, E.CLIENT_BLOCKED, E.INSUFFICIENT_FUNDS, E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
  approveApproval: [E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
  rejectApproval: [E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
  reportReturnedTransfer: [E.ACCOUNT_NOT_ACTIVE, E.INVALID_STATE_TRANSITION, E.CONCURRENT_MODIFICATION],
};

/** Statuses whose only code is fixed by the status itself. */
const SINGLE_CODE_STATUSES = new Set([400, 401, 403, 404, 413, 415, 429, 503]);

/**
 * The codes an answer of `status` from the operation can carry, as the document lists them:
 * - a status with one code (404 NOT_FOUND, 429 RATE_LIMITED...): that code;
 * - 409: on a write the Idempotency-Key's two, plus the operation's own;
 * - 422: VALIDATION_ERROR (a rule beyond a field's syntax, api/errors.ts businessRules),
 *   CURRENCY_NOT_SUPPORTED when it takes a currency, plus the operation's own.
 */
export function documentedCodes(operationId: string, status: number, kind: { write: boolean; takesCurrency: boolean }): ErrorCode[] {
  const own = (OPERATION_ERRORS[operationId] ?? []).filter((code) => ownStatus(code) === status);
  if (SINGLE_CODE_STATUSES.has(status)) {
    return (Object.values(ErrorCode) as ErrorCode[]).filter((code) => statusOf(code) === status);
  }
  if (status === 409) return unique([...(kind.write ? [E.IDEMPOTENCY_KEY_REUSED, E.IDEMPOTENCY_KEY_IN_PROGRESS] : []), ...own]);
  if (status === 422) return unique([E.VALIDATION_ERROR, ...(kind.takesCurrency ? [E.CURRENCY_NOT_SUPPORTED] : []), ...own]);
  return own;
}

/** The statuses the operation's own codes need (a 409 or 422 its route may not have declared). */
export function statusesOfOwnCodes(operationId: string): number[] {
  return unique((OPERATION_ERRORS[operationId] ?? []).map(ownStatus));
}

/** An operation's own VALIDATION_ERROR is a business rule beyond the fields' syntax: 422 (api/errors.ts businessRules). */
const ownStatus = (code: ErrorCode) => (code === E.VALIDATION_ERROR ? 422 : statusOf(code));

const unique = <T>(items: T[]): T[] => [...new Set(items)];
