import { newId } from '../domain/ids';
import type { PageRequest } from '../domain/paging';
import { type Queryable, whereAll } from '../ledger/db';

/** What the local notifier sent (the production notifier is a gateway and keeps nothing here). */
export interface NotificationRow {
  id: string;
  seq: bigint;
  clientId: string | null;
  channel: 'sms' | 'email';
  subject: string;
  body: string;
  createdAt: Date;
}

export async function insertNotification(
  sql: Queryable,
  n: Pick<NotificationRow, 'clientId' | 'channel' | 'subject' | 'body'> & { expiresAt?: Date },
): Promise<void> {
  await sql`
    INSERT INTO notifications (id, client_id, channel, subject, body, expires_at)
    VALUES (${newId()}, ${n.clientId}, ${n.channel}, ${n.subject}, ${n.body}, ${n.expiresAt ?? null})`;
}

/** Rows one retention statement deletes at most; a run repeats it a bounded number of times. */
export const RETENTION_BATCH = 10_000;

/**
 * Deletes messages whose one-time code expired before `codesExpiredBefore`, and every message
 * older than `before`, at most RETENTION_BATCH of them; returns how many.
 */
export async function deleteExpiredNotifications(sql: Queryable, codesExpiredBefore: Date, before: Date): Promise<number> {
  const deleted = await sql`
    DELETE FROM notifications WHERE id IN (
      (SELECT id FROM notifications WHERE expires_at < ${codesExpiredBefore} LIMIT ${RETENTION_BATCH})
      UNION
      (SELECT id FROM notifications WHERE created_at < ${before} LIMIT ${RETENTION_BATCH}))`;
  return deleted.count;
}

/** Notifications newest first, limit + 1 rows (see toPage). */
export async function listNotifications(sql: Queryable, filter: { clientId?: string }, page: PageRequest): Promise<NotificationRow[]> {
  const where = whereAll(sql, [
    filter.clientId !== undefined ? sql`client_id = ${filter.clientId}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<NotificationRow[]>`SELECT * FROM notifications WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}
