import type { AggregateType, EventType } from '../domain/events';
import { newId } from '../domain/ids';
import type { PageRequest } from '../domain/paging';
import { type Queryable, type Sql, type TransactionSql, whereAll } from './db';

/**
 * The outbox (migration 012): each change writes its event with recordEvent in the transaction
 * of the change, so the event commits with the change or not at all. GET /internal/Events and the
 * webhook deliveries read the log in `position` order, which sequenceEvents assigns after commit.
 */

export interface NewEvent {
  type: EventType;
  aggregateType: AggregateType;
  aggregateId: string;
  /** The client the event concerns; for a payment, the client of the first of its accounts that has one. */
  clientId: string | null | { ofAccounts: string[] };
  /** The resource right after the change: money as decimal strings, times as ISO strings. */
  data: Record<string, unknown>;
}

export interface EventRow {
  id: string;
  seq: bigint;
  position: bigint | null;
  type: EventType;
  aggregateType: AggregateType;
  aggregateId: string;
  aggregateSeq: bigint;
  clientId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Writes one event in the caller's transaction. The aggregate's counter row stays locked until
 * that transaction ends, so a second change of the same aggregate waits here and is numbered (and
 * inserted) after the first one committed: the per-aggregate order, which `position` keeps.
 */
export async function recordEvent(tx: TransactionSql, event: NewEvent): Promise<EventRow> {
  const { clientId } = event;
  const client =
    clientId === null || typeof clientId === 'string'
      ? tx`${clientId}::uuid`
      : tx`(SELECT client_id FROM accounts WHERE id = ANY(${clientId.ofAccounts}::uuid[]) AND client_id IS NOT NULL
            ORDER BY array_position(${clientId.ofAccounts}::uuid[], id) LIMIT 1)`;
  // One round trip: the counter and the event in one statement (this runs inside money transactions).
  const [row] = await tx<[EventRow]>`
    WITH counter AS (
      INSERT INTO event_aggregates AS a (aggregate_type, aggregate_id, last_seq)
      VALUES (${event.aggregateType}, ${event.aggregateId}, 1)
      ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET last_seq = a.last_seq + 1
      RETURNING last_seq
    )
    INSERT INTO events (id, type, aggregate_type, aggregate_id, aggregate_seq, client_id, data)
    SELECT ${newId()}, ${event.type}, ${event.aggregateType}, ${event.aggregateId}, counter.last_seq, ${client},
           ${tx.json(event.data as never)}
    FROM counter
    RETURNING *`;
  return row;
}

/** Rows the sequencer numbers per run; the rest wait for the next run. */
const SEQUENCE_BATCH = 5000;

/**
 * Gives committed events their log position, in insert order, one sequencer at a time (the lock
 * on event_log_head's row, held until this transaction commits; a second caller does not wait:
 * the one running now numbers what it sees, and the next run the rest). Readers call it before
 * they read, so an event gets its position within one read of being committed. Returns how many
 * rows it numbered.
 */
export async function sequenceEvents(sql: Sql): Promise<number> {
  return sql.begin(async (tx) => {
    const [head] = await tx<[{ position: bigint }?]>`SELECT position FROM event_log_head FOR UPDATE SKIP LOCKED`;
    if (!head) return 0;
    const numbered = await tx<{ position: bigint }[]>`
      WITH next AS (
        SELECT id, row_number() OVER (ORDER BY seq) AS n FROM events WHERE position IS NULL ORDER BY seq LIMIT ${SEQUENCE_BATCH}
      )
      UPDATE events e SET position = ${head.position}::bigint + next.n FROM next WHERE e.id = next.id
      RETURNING e.position`;
    if (numbered.length > 0) await tx`UPDATE event_log_head SET position = ${head.position + BigInt(numbered.length)}`;
    return numbered.length;
  });
}

export interface EventFilter {
  /** Exact types and prefixes ending in `.` (domain/events.ts patternParts); all: no type filter. */
  types?: { all: boolean; exact: string[]; prefixes: string[] };
  clientId?: string;
  aggregateId?: string;
  /** Types never listed (webhook.test for endpoints other than the one it was sent to). */
  excludeTypes?: string[];
}

/** A type filter in SQL: `type = ANY(exact) OR type LIKE prefix%` (prefixes are [a-z_]+\. only). */
export function typeCondition(sql: Queryable, types: EventFilter['types']) {
  if (!types || types.all) return null;
  const likes = types.prefixes.map((p) => `${p.replace(/_/g, '\\_')}%`);
  return sql`(type = ANY(${types.exact}::text[]) OR type LIKE ANY(${likes}::text[]))`;
}

/** The log oldest first after a position, limit + 1 rows (see toPage); only numbered events. */
export async function listEvents(sql: Queryable, filter: EventFilter, page: PageRequest): Promise<EventRow[]> {
  const where = whereAll(sql, [
    sql`position IS NOT NULL`,
    typeCondition(sql, filter.types),
    filter.clientId !== undefined ? sql`client_id = ${filter.clientId}` : null,
    filter.aggregateId !== undefined ? sql`aggregate_id = ${filter.aggregateId}` : null,
    filter.excludeTypes?.length ? sql`type <> ALL(${filter.excludeTypes}::text[])` : null,
    page.afterSeq !== undefined ? sql`position > ${page.afterSeq}` : null,
  ]);
  return sql<EventRow[]>`SELECT * FROM events WHERE ${where} ORDER BY position LIMIT ${page.limit + 1}`;
}

export async function getEvent(sql: Queryable, id: string): Promise<EventRow | undefined> {
  const [row] = await sql<[EventRow?]>`SELECT * FROM events WHERE id = ${id}`;
  return row;
}

/** The last position handed out: where a new reader (a new webhook endpoint) starts. */
export async function logHead(sql: Queryable): Promise<bigint> {
  const [row] = await sql<[{ position: bigint }]>`SELECT position FROM event_log_head`;
  return row.position;
}

/** Retention: deletes events created before `before`, at most `limit` per call; returns how many. */
export async function deleteEventsBefore(sql: Queryable, before: Date, limit = 10_000): Promise<number> {
  const rows = await sql`
    DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ${before} ORDER BY created_at LIMIT ${limit})
    RETURNING 1`;
  return rows.length;
}

/**
 * The event as the API and webhooks show it (docs/webhooks.md): `{ id, type, occurredAt, aggregate, clientId,
 * data }`. The same stored row always gives the same JSON, so a retried delivery has the same body.
 */
export function eventView(e: EventRow) {
  return {
    id: e.id,
    type: e.type,
    occurredAt: e.createdAt.toISOString(),
    aggregate: { type: e.aggregateType, id: e.aggregateId, sequence: Number(e.aggregateSeq) },
    clientId: e.clientId,
    data: e.data,
  };
}
