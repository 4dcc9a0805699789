// From common, not workflow: activities and the API use these too, outside the workflow sandbox.
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { DomainError, ErrorCode, type ErrorMetadata, isErrorCode } from '../domain/errors';

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

/** What is wrong with a workflow's input: the first field that fails its check (workflows/inputChecks.ts). */
export interface InputProblem {
  field: string;
  message: string;
}

/** The refusal of a workflow input that fails its checks. */
export function inputRefusal(problem: InputProblem): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorCode.VALIDATION_ERROR,
    message: `the workflow input is not valid: ${problem.message}`,
    nonRetryable: true,
    details: [{ field: problem.field }],
  });
}

/**
 * Patch: a workflow checks its input first and ends Rejected on poison (was: its first activity
 * failed again and again). Only taken when the input is invalid, so valid histories are untouched.
 */
export const REJECTS_INVALID_INPUT = 'rejects-invalid-input';

/** Rethrows a DomainError as a business failure; anything else unchanged. */
export function asBusinessFailure(error: unknown): unknown {
  return error instanceof DomainError ? businessFailure(error) : error;
}

/** The business failure inside an activity failure, or undefined for a technical one. */
export function businessCause(error: unknown): ApplicationFailure | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.nonRetryable && cause.type ? cause : undefined;
}

/** The DomainError a business failure carries (the reverse of businessFailure), if it is one. */
export function domainErrorOf(failure: unknown): DomainError | undefined {
  if (!(failure instanceof ApplicationFailure) || !isErrorCode(failure.type)) return undefined;
  return new DomainError(failure.type, failure.message, (failure.details?.[0] ?? {}) as ErrorMetadata);
}

/**
 * What a workflow throws for a failure it has no answer for (a step refused for good where no
 * refusal is expected: poison, a bug). Not a Temporal failure, so the SDK fails the workflow TASK
 * rather than the workflow: the task is retried, the run stays open with its money held as it was,
 * the Temporal UI shows the error and the worker's metrics count it, and a fixed deploy carries
 * the run on. A workflow that holds money never ends as failed.
 */
export class UnexpectedStepFailure extends Error {
  constructor(step: string, cause: unknown) {
    super(`${step} failed for good and the workflow has no answer for it: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'UnexpectedStepFailure';
  }
}
