import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import type { TokenPolicy } from '../config/env';
import { ValidationError } from '../domain/errors';
import type { UseCaseDeps, UseCases } from '../usecases';
import type { AuthEnv } from './auth';
import { envelopeOf, FailureEnvelope } from './envelope';
import { validationFailure } from './errors';

/** What the app is built from: the one sql pool, the Temporal client, and settings. */
export interface AppDeps extends UseCaseDeps {
  auth: TokenPolicy;
  profile: 'local' | 'production';
  /** The local notifier keeps messages in Postgres: only then is /internal/Notifications served. */
  localNotifier: boolean;
  logError: (error: unknown, context: Record<string, unknown>) => void;
}

/** What a router gets: the use cases it calls, and the settings of the edge itself. */
export interface RouteDeps {
  useCases: UseCases;
  profile: AppDeps['profile'];
  localNotifier: boolean;
}

/** A router whose validation failures all become the same 400 envelope. */
export function newRouter() {
  return new OpenAPIHono<AuthEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(validationFailure(result.error as ZodError), 400);
    },
  });
}

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input (VALIDATION_ERROR)',
  401: 'Missing or invalid token (UNAUTHENTICATED)',
  403: 'Role not allowed (FORBIDDEN)',
  404: 'Not found or not visible (NOT_FOUND)',
  409: 'Conflict (IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_PROGRESS, CONCURRENT_MODIFICATION, ALREADY_EXISTS)',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Not a pdf, png or jpeg by its content (UNSUPPORTED_MEDIA_TYPE)',
  422: 'Business rule violated (see metadata.code)',
  429: 'Too many requests; see Retry-After (RATE_LIMITED)',
  503: 'A dependency did not answer in time; retry with the same Idempotency-Key (SERVICE_UNAVAILABLE)',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** OpenAPI responses: the success envelope plus the listed error statuses (400/401/403 always). */
export function responses<S extends number, T extends z.ZodTypeAny>(status: S, value: T, description: string, errors: ErrorStatus[] = []) {
  const failures = Object.fromEntries(
    [...new Set<ErrorStatus>([400, 401, 403, ...errors])].map((s) => [
      s,
      { description: ERROR_DESCRIPTIONS[s], content: { 'application/json': { schema: FailureEnvelope } } },
    ]),
  );
  return {
    [status]: { description, content: { 'application/json': { schema: envelopeOf(value) } } },
    ...failures,
  } as { [K in S]: { description: string; content: { 'application/json': { schema: ReturnType<typeof envelopeOf<T>> } } } };
}

export function jsonBody<T extends z.ZodTypeAny>(schema: T, required = true) {
  return { body: { required, content: { 'application/json': { schema } } } };
}

export const security = [{ bearerAuth: [] }];

/**
 * Reads an optional JSON body (pend, cancel): an empty body is {}, malformed JSON or a body
 * that does not fit the schema is a 400 like any other.
 */
export async function optionalBody<T extends z.ZodTypeAny>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ValidationError('the body is not valid JSON', 'body');
    }
  }
  const result = schema.safeParse(json);
  if (!result.success) throw result.error;
  return result.data;
}
