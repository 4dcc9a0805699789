import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { answeredCode } from './errors';

/**
 * Checks every error answer against the document: the code it carries must be listed under its
 * status for its operation (x-error-codes, api/operationErrors.ts). One that is not is reported
 * like any unexpected error (a test suite fails on it), so the document cannot fall behind what
 * the server answers. A 500 is reported already; a path that is no documented operation is
 * not checked. `documented` is built once, on the first error answer (every route is registered by then).
 */
export function checkAnsweredCodes(
  documented: () => Map<string, Map<number, Set<string>>>,
  report: (error: Error, context: Record<string, unknown>) => void,
): MiddlewareHandler {
  let codes: Map<string, Map<number, Set<string>>> | undefined;
  return async (c, next) => {
    await next();
    const status = c.res.status;
    const code = answeredCode(c);
    if (status < 400 || status === 500 || code === undefined) return;
    // The route that answered (its index is the handler's that ran last); routePath(c, -1) would be the
    // last route that matched the path, e.g. /Transfers/{transferId} for /Transfers/type.
    const operation = `${c.req.method} ${routePath(c).replace(/:(\w+)/g, '{$1}')}`;
    codes ??= documented();
    const byStatus = codes.get(operation);
    if (!byStatus || byStatus.get(status)?.has(code)) return;
    report(new Error(`${operation} answered ${status} ${code}, which its OpenAPI description does not list (api/operationErrors.ts)`), {
      method: c.req.method,
      path: c.req.path,
    });
  };
}
