import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry });

const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Times every request, labelled by route pattern (not raw path, which would explode the label set). */
export function metricsMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const end = requestDuration.startTimer();
    await next();
    end({ method: c.req.method, route: routePath(c, -1), status: String(c.res.status) });
  };
}

export function metricsRoute(): MiddlewareHandler {
  return async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType });
}
