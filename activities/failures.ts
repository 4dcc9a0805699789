import { DomainError } from '../domain/errors';
import { businessFailure } from '../workflows/failures';

/**
 * Wraps an activity so a DomainError (a business rule: insufficient funds, say) fails it for good,
 * typed with the stable code; every other error stays retryable under the activity's policy.
 */
export function withBusinessFailures<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (error) {
      throw error instanceof DomainError ? businessFailure(error) : error;
    }
  };
}
