// Apart from ledger/db.ts (the pool): the API classifies errors with it and must not import the pool.

/** postgres.js codes for a connection that failed or went away. */
const CONNECTION_ERRORS = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/** Why the database could not serve a request now; each is answered 503 with Retry-After. */
export type DatabaseTrouble = 'unavailable' | 'busy' | 'timeout';

/**
 * Too many writes already wait for a busy account in this process (groupCommit.ts
 * MAX_WAITING_PER_ACCOUNT). Retryable, like the database's own class 53: nothing was written.
 */
export class LedgerBusyError extends Error {}

/**
 * What kind of passing trouble an error is, or undefined for any other error: connection errors
 * and SQLSTATE class 08 (unreachable), 57P01-57P03 (shutting down or starting) are `unavailable`;
 * 53300 too many clients and the rest of class 53 (out of resources) `busy`; 57014 (a statement
 * cancelled by statement_timeout) and 55P03 (lock_timeout) `timeout`; a LedgerBusyError `busy`. The
 * request may succeed if retried, so the API answers 503, never 500.
 */
export function databaseTrouble(error: unknown): DatabaseTrouble | undefined {
  if (error instanceof LedgerBusyError) return 'busy';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === '57014' || code === '55P03') return 'timeout';
  if (code.startsWith('53')) return 'busy';
  if (CONNECTION_ERRORS.has(code) || code.startsWith('08') || code.startsWith('57')) return 'unavailable';
  return undefined;
}

/** True when the error is passing trouble of the database (databaseTrouble). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return databaseTrouble(error) !== undefined;
}
