import { patternParts } from '../domain/events';
import type { PageRequest } from '../domain/paging';
import { type Queryable, type Sql, type TransactionSql, whereAll } from '../ledger/db';
import { typeCondition } from '../ledger/events';

/** Webhook endpoints (migration 013). Secrets are stored encrypted (domain/webhookSecrets.ts). */

export type EndpointStatus = 'enabled' | 'disabled' | 'deleted';

export interface EndpointRow {
  id: string;
  seq: bigint;
  url: string;
  description: string | null;
  eventTypes: string[];
  clientId: string | null;
  status: EndpointStatus;
  disabledReason: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  claimedPosition: bigint;
  lastSuccessAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewEndpoint = Pick<EndpointRow, 'id' | 'url' | 'description' | 'eventTypes' | 'clientId' | 'secret' | 'claimedPosition'>;

export async function insertEndpoint(sql: Queryable, e: NewEndpoint): Promise<EndpointRow> {
  const [row] = await sql<[EndpointRow]>`
    INSERT INTO webhook_endpoints (id, url, description, event_types, client_id, secret, claimed_position)
    VALUES (${e.id}, ${e.url}, ${e.description}, ${e.eventTypes}, ${e.clientId}, ${e.secret}, ${e.claimedPosition})
    RETURNING *`;
  return row;
}

/** An endpoint that is not deleted. */
export async function getEndpoint(sql: Queryable, id: string): Promise<EndpointRow | undefined> {
  const [row] = await sql<[EndpointRow?]>`SELECT * FROM webhook_endpoints WHERE id = ${id} AND status <> 'deleted'`;
  return row;
}

/** Endpoints newest first, limit + 1 rows (see toPage). */
export async function listEndpoints(sql: Queryable, filter: { clientId?: string }, page: PageRequest): Promise<EndpointRow[]> {
  const where = whereAll(sql, [
    sql`status <> 'deleted'`,
    filter.clientId !== undefined ? sql`client_id = ${filter.clientId}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<EndpointRow[]>`SELECT * FROM webhook_endpoints WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}

export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  status?: 'enabled' | 'disabled';
  disabledReason?: string | null;
  /** Re-enabling starts from the log's head: what happened while disabled is not sent (redeliver `since` sends it). */
  claimedPosition?: bigint;
  secret?: string;
  previousSecret?: string | null;
  previousSecretExpiresAt?: Date | null;
}

const COLUMNS: Record<keyof EndpointChanges, string> = {
  url: 'url',
  eventTypes: 'event_types',
  description: 'description',
  status: 'status',
  disabledReason: 'disabled_reason',
  claimedPosition: 'claimed_position',
  secret: 'secret',
  previousSecret: 'previous_secret',
  previousSecretExpiresAt: 'previous_secret_expires_at',
};

export async function updateEndpoint(sql: Queryable, id: string, changes: EndpointChanges): Promise<EndpointRow | undefined> {
  const set = Object.entries(changes)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => sql`${sql(COLUMNS[field as keyof EndpointChanges])} = ${value as string},`);
  const [row] = await sql<[EndpointRow?]>`
    UPDATE webhook_endpoints SET ${set.reduce((acc, part) => sql`${acc} ${part}`, sql``)} updated_at = now()
    WHERE id = ${id} AND status <> 'deleted'
    RETURNING *`;
  return row;
}

/** Locks the endpoint's row: every writer of its deliveries does, so their `seq` grows in commit order. */
export async function lockEndpoint(tx: TransactionSql, id: string): Promise<EndpointRow | undefined> {
  const [row] = await tx<[EndpointRow?]>`SELECT * FROM webhook_endpoints WHERE id = ${id} FOR UPDATE`;
  return row;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  endpointId: string;
  eventId: string;
  seq: bigint;
  eventType: string;
  aggregateId: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  pendingSince: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** Events the endpoint takes at most per claim (the rest in the next one). */
const CLAIM_SCAN = 1000;

/**
 * Takes the log's events after the endpoint's claimed position into its deliveries (pending),
 * filtered by its types and client, and moves the claimed position on. Call in a transaction that
 * holds lockEndpoint. `webhook.test` events are only ever delivered to the endpoint they were
 * sent to (sendTest inserts that delivery itself).
 */
export async function claimEvents(tx: TransactionSql, endpoint: EndpointRow): Promise<number> {
  const [scan] = await tx<[{ last: bigint | null }]>`
    SELECT max(position) AS last FROM (
      SELECT position FROM events WHERE position > ${endpoint.claimedPosition} ORDER BY position LIMIT ${CLAIM_SCAN}
    ) s`;
  if (scan.last === null) return 0;
  const inserted = await tx`
    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, aggregate_id)
    SELECT ${endpoint.id}, id, type, aggregate_id FROM events
    WHERE position > ${endpoint.claimedPosition} AND position <= ${scan.last} AND type <> 'webhook.test'
      AND ${typeCondition(tx, patternParts(endpoint.eventTypes)) ?? tx`TRUE`}
      ${endpoint.clientId === null ? tx`` : tx`AND client_id = ${endpoint.clientId}`}
    ORDER BY position
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING 1`;
  await tx`UPDATE webhook_endpoints SET claimed_position = ${scan.last} WHERE id = ${endpoint.id}`;
  return inserted.length;
}

/** The endpoint's pending deliveries after the workflow's cursor, in queue order. */
export async function pendingDeliveries(sql: Queryable, endpointId: string, afterSeq: bigint, limit: number): Promise<DeliveryRow[]> {
  return sql<DeliveryRow[]>`
    SELECT * FROM webhook_deliveries
    WHERE endpoint_id = ${endpointId} AND status = 'pending' AND seq > ${afterSeq}
    ORDER BY seq LIMIT ${limit}`;
}

/**
 * (Re)queues deliveries of these events for the endpoint: pending again, counted afresh, with a
 * new `seq` so the endpoint's workflow takes them again (redelivery, the test event).
 */
export async function requeueDeliveries(tx: TransactionSql, endpointId: string, eventIds: string[]): Promise<number> {
  if (eventIds.length === 0) return 0;
  const rows = await tx`
    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, aggregate_id)
    SELECT ${endpointId}, id, type, aggregate_id FROM events WHERE id = ANY(${eventIds}::uuid[]) ORDER BY position NULLS LAST, seq
    ON CONFLICT (endpoint_id, event_id) DO UPDATE SET
      status = 'pending', seq = nextval(pg_get_serial_sequence('webhook_deliveries', 'seq')), attempts = 0,
      last_status_code = NULL, last_error = NULL, next_attempt_at = NULL, delivered_at = NULL,
      pending_since = now(), updated_at = now()
    RETURNING 1`;
  return rows.length;
}

/** Ids of the events since a moment that the endpoint's filters take (redeliver `since`), oldest first. */
export async function eventIdsSince(sql: Queryable, endpoint: EndpointRow, since: Date, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    SELECT id FROM events
    WHERE created_at >= ${since} AND type <> 'webhook.test'
      AND ${typeCondition(sql, patternParts(endpoint.eventTypes)) ?? sql`TRUE`}
      ${endpoint.clientId === null ? sql`` : sql`AND client_id = ${endpoint.clientId}`}
    ORDER BY seq LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

export async function getDelivery(sql: Queryable, endpointId: string, eventId: string): Promise<DeliveryRow | undefined> {
  const [row] = await sql<[DeliveryRow?]>`SELECT * FROM webhook_deliveries WHERE endpoint_id = ${endpointId} AND event_id = ${eventId}`;
  return row;
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
  /** No attempt follows: the delivery is failed. */
  giveUp: boolean;
}

/** Records one attempt on a pending delivery; returns the row after it (undefined when it was not pending). */
export async function recordAttempt(
  sql: Sql,
  endpointId: string,
  eventId: string,
  result: AttemptResult,
): Promise<DeliveryRow | undefined> {
  return sql.begin(async (tx) => {
    const status: DeliveryStatus = result.ok ? 'delivered' : result.giveUp ? 'failed' : 'pending';
    const [row] = await tx<[DeliveryRow?]>`
      UPDATE webhook_deliveries SET
        status = ${status}, attempts = attempts + 1, last_status_code = ${result.statusCode}, last_error = ${result.error},
        next_attempt_at = ${result.ok || result.giveUp ? null : result.nextAttemptAt},
        delivered_at = ${result.ok ? tx`now()` : tx`NULL`}, updated_at = now()
      WHERE endpoint_id = ${endpointId} AND event_id = ${eventId} AND status = 'pending'
      RETURNING *`;
    if (row && result.ok) await tx`UPDATE webhook_endpoints SET last_success_at = now() WHERE id = ${endpointId}`;
    return row;
  });
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  eventId?: string;
}

/** Deliveries newest first, limit + 1 rows (see toPage). */
export async function listDeliveries(
  sql: Queryable,
  endpointId: string,
  filter: DeliveryFilter,
  page: PageRequest,
): Promise<DeliveryRow[]> {
  const where = whereAll(sql, [
    sql`endpoint_id = ${endpointId}`,
    filter.status !== undefined ? sql`status = ${filter.status}` : null,
    filter.eventId !== undefined ? sql`event_id = ${filter.eventId}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<DeliveryRow[]>`SELECT * FROM webhook_deliveries WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}

/** The age of each enabled endpoint's oldest pending delivery, in seconds (the metric). */
export async function oldestPendingAges(sql: Queryable): Promise<{ endpointId: string; ageSeconds: number }[]> {
  return sql<{ endpointId: string; ageSeconds: number }[]>`
    SELECT d.endpoint_id, extract(epoch FROM now() - min(d.pending_since))::float8 AS age_seconds
    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
    WHERE d.status = 'pending' AND e.status = 'enabled'
    GROUP BY d.endpoint_id`;
}
