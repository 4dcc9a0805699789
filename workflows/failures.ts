import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { DomainError } from '../domain/errors';

/**
 * Business failures travel through Temporal as non-retryable ApplicationFailures whose type is
 * the stable error code, so the API can answer with the same code the domain raised.
 */
export function businessFailure(error: DomainError): ApplicationFailure {
  return ApplicationFailure.create({
    type: error.code,
    message: error.message,
    nonRetryable: true,
    details: [error.metadata],
  });
}

/** Rethrows a DomainError as a business failure; anything else unchanged. */
export function asBusinessFailure(error: unknown): unknown {
  return error instanceof DomainError ? businessFailure(error) : error;
}

/** The business failure inside an activity failure, or undefined for a technical one. */
export function businessCause(error: unknown): ApplicationFailure | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.nonRetryable && cause.type ? cause : undefined;
}
