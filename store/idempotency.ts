import type { Queryable, Sql } from '../ledger/db';

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

/**
 * Claims (caller, key) for a request. The claim is a lease: if the process that holds it dies,
 * the key frees itself when `leaseMs` has passed, and a retry runs the request again (safe,
 * since what it starts is idempotent itself).
 */
export async function claimKey(sql: Sql, caller: string, key: string, requestHash: string, leaseMs: number): Promise<ClaimResult> {
  const [row] = await sql<
    [{ claimed: boolean; requestHash: string; responseStatus: number | null; responseBody: string | null; lockedUntil: Date | null }]
  >`
    WITH claim AS (
      INSERT INTO idempotency_keys (caller, key, request_hash, locked_until)
      VALUES (${caller}, ${key}, ${requestHash}, now() + ${leaseMs} * interval '1 millisecond')
      ON CONFLICT (caller, key) DO UPDATE SET
        request_hash = EXCLUDED.request_hash, locked_until = EXCLUDED.locked_until,
        response_status = NULL, response_body = NULL, created_at = now()
      WHERE idempotency_keys.created_at < now() - ${KEY_RETENTION}::interval
         OR (idempotency_keys.response_status IS NULL AND idempotency_keys.locked_until < now()
             AND idempotency_keys.request_hash = EXCLUDED.request_hash)
      RETURNING TRUE AS claimed
    )
    SELECT TRUE AS claimed, ${requestHash} AS request_hash, NULL::int AS response_status, NULL::text AS response_body, NULL::timestamptz AS locked_until
    FROM claim
    UNION ALL
    SELECT FALSE, request_hash, response_status, response_body, locked_until
    FROM idempotency_keys WHERE caller = ${caller} AND key = ${key} AND NOT EXISTS (SELECT 1 FROM claim)`;
  if (!row) return { outcome: 'in_progress' }; // claimed by a concurrent insert not yet visible
  if (row.claimed) return { outcome: 'claimed' };
  if (row.requestHash !== requestHash) return { outcome: 'mismatch' };
  if (row.responseStatus !== null) return { outcome: 'replay', response: { status: row.responseStatus, body: row.responseBody ?? '' } };
  return { outcome: 'in_progress' };
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
