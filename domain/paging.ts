import { ValidationError } from './errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_SEQ = 2n ** 63n - 1n;

export interface PageRequest {
  limit: number;
  /** Position after which the page starts (a row's seq); undefined for the first page. */
  afterSeq?: bigint;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Cursors are opaque to clients: base64url of the last row's seq. Lists are ordered by seq, a
 * column that only grows, so a page never shifts when rows are inserted concurrently.
 */
export function encodeCursor(seq: bigint): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^s:(\d{1,19})$/.exec(text);
  // Within Postgres's bigint: a larger seq would reach the database as an out-of-range error (500).
  if (!match?.[1] || BigInt(match[1]) > MAX_SEQ) throw new ValidationError('cursor is not valid', 'cursor');
  return BigInt(match[1]);
}

export function toPageRequest(limit: number | undefined, cursor: string | undefined): PageRequest {
  return { limit: limit ?? DEFAULT_PAGE_SIZE, afterSeq: decodeCursor(cursor) };
}

/** Builds a page from rows fetched with limit + 1, which tells whether there is a next page. */
export function toPage<R extends { seq: bigint }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
  };
}
