import { httpInstrumentationMiddleware } from '@hono/otel';
import { trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import { currentRequestId, REQUEST_ID_HEADER, requestIdFrom, runWithRequestId } from './requestContext';
import { REQUEST_ID_ATTRIBUTE } from './temporal';
import { traceFields } from './tracing';

/** Probes and scrapes: no span, and logged at debug only (they come every few seconds). */
const isRoutine = (path: string) => path === '/metrics' || path === '/health' || path.startsWith('/health/');

/**
 * The request id (observability/requestContext.ts): the caller's sane `X-Request-Id` or a new
 * one, in the response header, and in scope (AsyncLocalStorage) for everything the request runs.
 */
export function requestIdMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const requestId = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    c.header(REQUEST_ID_HEADER, requestId);
    await runWithRequestId(requestId, async () => {
      await next();
      // An error answer is a new Response made by onError: the header goes on it too.
      if (c.res.headers.get(REQUEST_ID_HEADER) !== requestId) {
        try {
          c.res.headers.set(REQUEST_ID_HEADER, requestId);
        } catch {
          // A response with immutable headers (none of ours today) goes out without it.
        }
      }
    });
  };
}

/**
 * A SERVER span per request (@hono/otel: `GET /internal/Payments/:paymentId`, with method, route,
 * status; a `traceparent` header continues the caller's trace), carrying the request id.
 */
export function tracingMiddleware(): MiddlewareHandler {
  const instrument = httpInstrumentationMiddleware({
    spanNameFactory: (c) => `${c.req.method} ${routePath(c, -1)}`,
    captureActiveRequests: false,
  });
  const tag = () => {
    const requestId = currentRequestId();
    if (requestId) trace.getActiveSpan()?.setAttribute(REQUEST_ID_ATTRIBUTE, requestId);
  };
  return async (c, next) => {
    if (isRoutine(c.req.path)) return next();
    await instrument(c, async () => {
      tag();
      await next();
    });
  };
}

/** One log line per request: method, route, path, status, duration, request and trace ids. */
export function requestLogMiddleware(log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const ids = traceFields();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const fields = {
        requestId: currentRequestId(),
        ...ids,
        method: c.req.method,
        route: routePath(c, -1),
        path: c.req.path,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (isRoutine(c.req.path)) log.debug(fields, 'request');
      else if (status >= 500) log.error(fields, 'request');
      else log.info(fields, 'request');
    }
  };
}

/** pino mixin: every line logged while a request is served carries its request id and trace id. */
export function requestLogMixin(): Record<string, unknown> {
  const requestId = currentRequestId();
  return requestId ? { requestId, ...traceFields() } : {};
}
