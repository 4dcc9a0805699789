import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request id of the HTTP request being served: taken from `X-Request-Id` when the caller sent
 * a sane one, generated otherwise, returned in the response header, written on every log line of
 * the request and carried into Temporal (a workflow header and the starting workflow's memo), so
 * the workflow's and its activities' log lines carry it too.
 */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** The Temporal header (workflow start, update, signal, activity) that carries the request id. */
export const TEMPORAL_REQUEST_ID_HEADER = 'corebank-request-id';
/** The memo key of the request that started a workflow (seen in the Temporal UI). */
export const REQUEST_ID_MEMO_KEY = 'requestId';

/** Printable, short, no spaces or control characters: safe in logs, headers and memos. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

/** The caller's id when it is sane (1-128 of letters, digits and . _ : @ / + = -), else a new UUID. */
export function requestIdFrom(header: string | undefined | null): string {
  const value = header?.trim();
  return value && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs fn (and everything it awaits) as part of the request with this id. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
