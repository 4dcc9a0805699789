import { OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { ZodError } from 'zod';
import type { HttpLimits, TokenPolicy } from '../config/env';
import { ValidationError } from '../domain/errors';
import type { UseCaseDeps, UseCases } from '../usecases';
import type { AuthEnv } from './auth';
import { envelopeOf, FailureEnvelope } from './envelope';
import { validationFailure } from './errors';
import { IdempotencyHeader, text } from './schemas';

/** What the app is built from: the one sql pool, the Temporal client, and settings. */
export interface AppDeps extends UseCaseDeps {
  auth: TokenPolicy;
  profile: 'local' | 'production';
  /** The local notifier keeps messages in Postgres: only then is /internal/Notifications served. */
  localNotifier: boolean;
  /** Body bounds and concurrent uploads (config/env.ts DEFAULT_HTTP_LIMITS when unset). */
  http?: HttpLimits;
  logError: (error: unknown, context: Record<string, unknown>) => void;
}

/** What a router gets: the use cases it calls, and the settings of the edge itself. */
export interface RouteDeps {
  useCases: UseCases;
  http?: HttpLimits;
  profile: AppDeps['profile'];
  localNotifier: boolean;
}

/**
 * A router whose validation failures all become the same 400 envelope, and whose routes all keep
 * the edge's rules, applied here to every route rather than route by route:
 * - a JSON request body is a strict object (an unknown field is 400): registering one that is not
 *   fails at startup;
 * - a route that requires a body answers a missing or empty one with 400 VALIDATION_ERROR (hono
 *   would validate `{}` instead, and a body whose fields are all optional would pass);
 * - every write declares and validates the Idempotency-Key header that api/idempotency.ts reads.
 */
export function newRouter() {
  const router = new OpenAPIHono<AuthEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(validationFailure(result.error as ZodError), 400);
    },
  });
  const register = router.openapi;
  router.openapi = ((route: RouteConfig, handler: never, hook?: never) =>
    register(withEdgeRules(route) as never, handler, hook)) as typeof router.openapi;
  return router;
}

const UploadIdempotencyHeader = z.object({
  'idempotency-key': text(255, 1)
    .optional()
    .openapi({ description: 'Checked like on every write (1-255 chars); an upload is not replayed: each one stores a new document' }),
});

function withEdgeRules(route: RouteConfig): RouteConfig {
  const where = `${route.method.toUpperCase()} ${route.path}`;
  const request = { ...(route.request ?? {}) };
  const content = request.body?.content ?? {};
  const json = (content['application/json'] as { schema?: unknown } | undefined)?.schema;
  if (json) assertStrict(json as z.ZodTypeAny, where, 'body');
  const middleware = route.middleware === undefined ? [] : Array.isArray(route.middleware) ? [...route.middleware] : [route.middleware];
  if (json && request.body?.required) middleware.push(requireBody);
  if (route.method !== 'get') {
    const declared = content['multipart/form-data'] ? UploadIdempotencyHeader : IdempotencyHeader;
    const headers = request.headers;
    if (headers === undefined) request.headers = declared;
    else if (headers instanceof z.ZodObject && !('idempotency-key' in headers.shape)) request.headers = headers.extend(declared.shape);
  }
  return { ...route, request, middleware };
}

/**
 * A missing or empty body where the route requires one: no body at all, Content-Length 0, or only
 * blanks (which api/app.ts turns into "{}": the text then no longer has the declared length).
 */
const requireBody: MiddlewareHandler = async (c, next) => {
  const declared = c.req.header('content-length');
  const received = await c.req.text();
  const missing =
    c.req.raw.body === null ||
    received.trim() === '' ||
    (declared !== undefined && (Number(declared) === 0 || Buffer.byteLength(received) !== Number(declared)));
  if (missing) throw new ValidationError('a JSON body is required', 'body');
  await next();
};

/** Every object a JSON body can hold must be strict (z.strictObject, api/schemas.ts body()). */
function assertStrict(schema: z.ZodTypeAny, where: string, path: string): void {
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  const inner: [z.ZodTypeAny, string][] = [];
  switch (def.type) {
    case 'object':
      if (def.catchall?._zod?.def?.type !== 'never') {
        throw new Error(`${where}: the request body object at ${path} is not strict; build it with body() (api/schemas.ts)`);
      }
      for (const [key, child] of Object.entries<z.ZodTypeAny>(def.shape)) inner.push([child, `${path}.${key}`]);
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      inner.push([def.innerType, path]);
      break;
    case 'pipe':
      inner.push([def.in, path]);
      break;
    case 'array':
      inner.push([def.element, `${path}[]`]);
      break;
    case 'union':
      for (const option of def.options) inner.push([option, path]);
      break;
    case 'intersection':
      inner.push([def.left, path], [def.right, path]);
      break;
    case 'record':
      inner.push([def.valueType, `${path}.*`]);
      break;
  }
  for (const [child, at] of inner) assertStrict(child, where, at);
}

// The codes of each status are added from api/errors.ts's table (api/docs.ts), so they cannot drift.
const ERROR_DESCRIPTIONS = {
  400: 'A field breaks its own schema, or the body its shape: unknown or missing fields, either-or fields',
  401: 'Missing or invalid token',
  403: 'Role not allowed',
  404: 'Not found or not visible',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Not a pdf, png or jpeg by its content',
  422: "Business rule violated (see metadata.code; VALIDATION_ERROR for a rule beyond the fields' own syntax: an amount's decimals for its currency, a check digit, a date in the future, one date against another)",
  429: 'Too many requests; see Retry-After',
  503: 'A dependency did not answer in time; retry with the same Idempotency-Key',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers of an operation: 400/401/403 always, plus the listed statuses. */
export function failures(errors: ErrorStatus[] = []) {
  return Object.fromEntries(
    [...new Set<ErrorStatus>([400, 401, 403, ...errors])].map((s) => [
      s,
      { description: ERROR_DESCRIPTIONS[s], content: { 'application/json': { schema: FailureEnvelope } } },
    ]),
  );
}

/** OpenAPI responses: the success envelope plus the listed error statuses (400/401/403 always). */
export function responses<S extends number, T extends z.ZodTypeAny>(status: S, value: T, description: string, errors: ErrorStatus[] = []) {
  return {
    [status]: { description, content: { 'application/json': { schema: envelopeOf(value) } } },
    ...failures(errors),
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
