import type { Queryable, Sql } from '../ledger/db';
import { countingOf, type RequestCount, requestCountOf } from './rateLimits';

/** docs/api.md keeps keys at least 24 hours; older ones may be taken again. */
export const KEY_RETENTION = '24 hours';

export interface StoredResponse {
  status: number;
  /** The body exactly as first sent. */
  body: string;
}

export type ClaimResult =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in_progress' };

/** A key to claim for a request: the caller's scope, the key, the request's hash, the lease. */
export interface KeyClaim {
  caller: string;
  key: string;
  requestHash: string;
  leaseMs: number;
}

/**
 * The claim as parts of a statement: the CTE `claim`, which takes the key when it is free (new,
 * past its retention, or a lease that ran out on the same request) and `allowed` holds, and the
 * query `answer` (claimed, request_hash, response_status, response_body, locked_until): the claim,
 * or the row that kept it.
 */
function claimOf(sql: Queryable, { caller, key, requestHash, leaseMs }: KeyClaim, allowed = sql`TRUE`) {
  return {
    cte: sql`claim AS (
      INSERT INTO idempotency_keys (caller, key, request_hash, locked_until)
      SELECT ${caller}, ${key}, ${requestHash}, now() + ${leaseMs} * interval '1 millisecond'
      WHERE ${allowed}
      ON CONFLICT (caller, key) DO UPDATE SET
        request_hash = EXCLUDED.request_hash, locked_until = EXCLUDED.locked_until,
        response_status = NULL, response_body = NULL, created_at = now()
      WHERE idempotency_keys.created_at < now() - ${KEY_RETENTION}::interval
         OR (idempotency_keys.response_status IS NULL AND idempotency_keys.locked_until < now()
             AND idempotency_keys.request_hash = EXCLUDED.request_hash)
      RETURNING TRUE AS claimed)`,
    answer: sql`
      SELECT TRUE AS claimed, ${requestHash} AS request_hash, NULL::int AS response_status, NULL::text AS response_body
      FROM claim
      UNION ALL
      SELECT FALSE, request_hash, response_status, response_body
      FROM idempotency_keys WHERE caller = ${caller} AND key = ${key} AND NOT EXISTS (SELECT 1 FROM claim)`,
  };
}

type ClaimRow = { claimed: boolean | null; requestHash: string | null; responseStatus: number | null; responseBody: string | null };

function claimResultOf(row: ClaimRow | undefined, requestHash: string): ClaimResult {
  // No row: claimed by a concurrent insert not yet visible to this statement.
  if (!row || row.claimed === null) return { outcome: 'in_progress' };
  if (row.claimed) return { outcome: 'claimed' };
  if (row.requestHash !== requestHash) return { outcome: 'mismatch' };
  if (row.responseStatus !== null) return { outcome: 'replay', response: { status: row.responseStatus, body: row.responseBody ?? '' } };
  return { outcome: 'in_progress' };
}

/**
 * Claims (caller, key) for a request. The claim is a lease: if the process that holds it dies,
 * the key frees itself when `leaseMs` has passed, and a retry runs the request again (safe,
 * since what it starts is idempotent itself).
 */
export async function claimKey(sql: Sql, request: KeyClaim): Promise<ClaimResult> {
  const claim = claimOf(sql, request);
  const [row] = await sql<[ClaimRow?]>`WITH ${claim.cte} ${claim.answer}`;
  return claimResultOf(row, request.requestHash);
}

/**
 * Counts a write against its caller's limit and claims its key in one statement: the key is
 * claimed only when neither count is past `limit` (a refused write holds no key). The counting is
 * store/rateLimits.ts's, the claim claimKey's.
 */
export async function countAndClaimKey(
  sql: Sql,
  count: { scope: string; windowMs: number; besideScope: string; limit: number },
  request: KeyClaim,
): Promise<{ count: RequestCount; claim: ClaimResult }> {
  const counting = countingOf(sql, count.scope, count.windowMs, count.besideScope);
  const claim = claimOf(sql, request, sql`(SELECT tally.count <= ${count.limit} AND tally.beside <= ${count.limit} FROM tally)`);
  const [row] = await sql<[{ count: number; windowStart: Date; beside: number } & ClaimRow]>`
    WITH ${counting.cte}, tally AS (SELECT ${counting.columns} FROM counted), ${claim.cte}
    SELECT tally.count, tally.window_start, tally.beside, answer.* FROM tally LEFT JOIN (${claim.answer}) answer ON TRUE`;
  return { count: requestCountOf(row, count.windowMs), claim: claimResultOf(row, request.requestHash) };
}

export async function saveResponse(sql: Sql, caller: string, key: string, response: StoredResponse): Promise<void> {
  await sql`
    UPDATE idempotency_keys
    SET response_status = ${response.status}, response_body = ${response.body}, locked_until = NULL
    WHERE caller = ${caller} AND key = ${key}`;
}

/** Frees a key whose request failed unexpectedly, so a retry may run it again. */
export async function releaseKey(sql: Sql, caller: string, key: string): Promise<void> {
  await sql`DELETE FROM idempotency_keys WHERE caller = ${caller} AND key = ${key} AND response_status IS NULL`;
}

/**
 * Keys older than `before` whose request has finished: docs/api.md keeps keys at least 24 hours, and
 * nothing needs them after. A key whose request still runs (a lease) is left to it.
 */
export async function deleteIdempotencyKeys(sql: Queryable, before: Date): Promise<number> {
  const deleted = await sql`
    DELETE FROM idempotency_keys
    WHERE created_at < ${before} AND (response_status IS NOT NULL OR locked_until < now())`;
  return deleted.count;
}
