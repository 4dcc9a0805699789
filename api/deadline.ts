import type { MiddlewareHandler } from 'hono';
import { ErrorCode } from '../domain/errors';
import { errorJson, RETRY_AFTER_SECONDS } from './errors';

/**
 * Every request is answered within `deadlineMs`. A statement sent on a connection whose network
 * is cut gets no answer and no error until TCP gives up (many minutes): statement_timeout cannot
 * help, since the server never sees it. Past the deadline the client gets 503
 * SERVICE_UNAVAILABLE with Retry-After while the work goes on in the background (a write retried
 * with the same Idempotency-Key then gets its first answer, or waits for it).
 */
export function requestDeadline(deadlineMs: number): MiddlewareHandler {
  return async (c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), deadlineMs);
    });
    const work = next().then(() => 'done' as const);
    // A late failure of the abandoned work has nobody to answer; onError already logged real ones.
    work.catch(() => {});
    try {
      const outcome = await Promise.race([work, expired]);
      if (outcome === 'expired') {
        return errorJson(c, ErrorCode.SERVICE_UNAVAILABLE, `no answer within ${deadlineMs} ms; retry with the same Idempotency-Key`, {
          reason: 'deadline',
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        });
      }
    } finally {
      clearTimeout(timer);
    }
  };
}
