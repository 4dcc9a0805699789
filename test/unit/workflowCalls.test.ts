import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../domain/errors';
import { toDomainError } from '../../usecases/workflowCalls';

/** A gRPC error as @grpc/grpc-js makes it: an Error with a numeric code, details and metadata. */
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

describe('toDomainError', () => {
  it.each([
    [14, 'UNAVAILABLE: connection refused'],
    [4, 'DEADLINE_EXCEEDED'],
    [8, 'RESOURCE_EXHAUSTED: namespace rate limit exceeded'],
    [9, 'FAILED_PRECONDITION: Update-with-Start could not be executed.'],
  ])('answers gRPC %i (%s) with 503 SERVICE_UNAVAILABLE, to be retried with the same key', (code, details) => {
    const mapped = toDomainError(grpcError(code, details));
    expect(mapped).toBeInstanceOf(DomainError);
    expect((mapped as DomainError).code).toBe(ErrorCode.SERVICE_UNAVAILABLE);
  });

  it('leaves other errors alone (a bug stays a 500)', () => {
    const invalid = grpcError(3, 'INVALID_ARGUMENT: bad input');
    expect(toDomainError(invalid)).toBe(invalid);
    const plain = new TypeError('x is undefined');
    expect(toDomainError(plain)).toBe(plain);
  });
});
