import { businessFailure } from '../contract/failures';
import { DomainError, ErrorCode } from '../domain/errors';
import { pgErrorCode } from '../ledger/db';

/**
 * Failures that the same input will always meet again: retrying them is a loop, not a recovery.
 * Postgres's class 22 (data exception: a NUL in text, a number out of range, text that is no
 * uuid) and the errors JavaScript throws on a malformed value (BigInt('abc'), a missing field).
 */
function isPoison(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code !== undefined) return code.startsWith('22');
  return error instanceof SyntaxError || error instanceof TypeError || error instanceof RangeError;
}

/**
 * Wraps an activity so a DomainError (a business rule: insufficient funds, say) fails it for good,
 * typed with the stable code, and so does poison (as VALIDATION_ERROR); every other error (a
 * database or provider away) stays retryable under the activity's policy.
 */
export function withBusinessFailures<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (error) {
      if (error instanceof DomainError) throw businessFailure(error);
      if (isPoison(error)) {
        throw businessFailure(new DomainError(ErrorCode.VALIDATION_ERROR, `the input cannot be processed: ${(error as Error).message}`));
      }
      throw error;
    }
  };
}
