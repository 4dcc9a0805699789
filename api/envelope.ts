import { z } from '@hono/zod-openapi';
import type { ErrorCode, ErrorMetadata } from '../domain/errors';

/** One error of the FluentResults envelope. */
export interface EnvelopeError {
  message: string;
  metadata: ErrorMetadata & { code: ErrorCode };
  reasons: [];
}

/** The FluentResults envelope of every response, success or failure. */
export interface Envelope<T> {
  isSuccess: boolean;
  isFailed: boolean;
  value: T | null;
  reasons: EnvelopeError[];
  errors: EnvelopeError[];
  successes: [];
}

export function success<T>(value: T): Envelope<T> {
  return { isSuccess: true, isFailed: false, value, reasons: [], errors: [], successes: [] };
}

export function failure(errors: EnvelopeError[]): Envelope<null> {
  // FluentResults repeats every error and success under `reasons`.
  return { isSuccess: false, isFailed: true, value: null, reasons: errors, errors, successes: [] };
}

export function envelopeError(code: ErrorCode, message: string, metadata: ErrorMetadata = {}): EnvelopeError {
  return { message, metadata: { ...metadata, code }, reasons: [] };
}

const ErrorSchema = z
  .object({
    message: z.string(),
    metadata: z.object({ code: z.string(), field: z.string().optional() }).catchall(z.unknown()),
    reasons: z.array(z.unknown()),
  })
  .openapi('Error');

/** The envelope's schema around a value schema, for the OpenAPI document. */
export function envelopeOf<T extends z.ZodTypeAny>(value: T) {
  return z.object({
    isSuccess: z.boolean(),
    isFailed: z.boolean(),
    value: value.nullable(),
    reasons: z.array(ErrorSchema),
    errors: z.array(ErrorSchema),
    successes: z.array(z.unknown()),
  });
}

export const FailureEnvelope = envelopeOf(z.null()).openapi('Failure');
