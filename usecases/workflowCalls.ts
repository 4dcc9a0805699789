import {
  type Client,
  isGrpcServiceError,
  ServiceError,
  TemporalFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { domainErrorOf } from '../contract/failures';
import { DomainError, ErrorCode } from '../domain/errors';

/**
 * gRPC answers of Temporal that mean "not now" rather than "no": overloaded or unreachable, or
 * (FAILED_PRECONDITION) an update that arrived while the workflow's task had failed or timed out,
 * which the server retries by itself. The same request with the same key succeeds later.
 */
const TRANSIENT_GRPC = new Set<number>([
  14, // UNAVAILABLE
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  9, // FAILED_PRECONDITION
]);

/** A Temporal client error as the domain error it carries, or a 503 when Temporal did not answer. */
export function toDomainError(error: unknown): unknown {
  const carried = error instanceof WorkflowUpdateFailedError ? domainErrorOf(error.cause) : undefined;
  if (carried) return carried;
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof TemporalFailure) {
    // A step gave up on a technical fault (a normal activity's failure comes as an ActivityFailure,
    // a local one's as the failure itself) (its retry budget spent): nothing the caller did wrong,
    // and the workflow kept its state, so the same request may succeed later.
    return new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'a step of the workflow did not complete; retry with the same Idempotency-Key');
  }
  const transient = isGrpcServiceError(error) && TRANSIENT_GRPC.has(error.code);
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || error instanceof ServiceError || transient) {
    return new DomainError(
      ErrorCode.SERVICE_UNAVAILABLE,
      'the workflow service did not answer in time; retry with the same Idempotency-Key',
    );
  }
  return error;
}

/** Runs a Temporal call with the request's deadline. */
export const withinWait = <R>(temporal: Client, waitMs: number, fn: () => Promise<R>) => temporal.withDeadline(Date.now() + waitMs, fn);

/** What an update came back with: its result, or `finished` when the workflow was no longer running. */
export type UpdateOutcome<R> = { finished: false; result: R } | { finished: true };

/**
 * Sends an update; a workflow that finished meanwhile (or a start that found a finished one) is
 * reported as `finished`, so the caller can answer from the read model.
 */
export async function sendUpdate<R>(temporal: Client, waitMs: number, fn: () => Promise<R>): Promise<UpdateOutcome<R>> {
  try {
    return { finished: false, result: await withinWait(temporal, waitMs, fn) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || error instanceof WorkflowExecutionAlreadyStartedError) return { finished: true };
    throw toDomainError(error);
  }
}
