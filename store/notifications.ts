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
  n: Pick<NotificationRow, 'clientId' | 'channel' | 'subject' | 'body'>,
): Promise<void> {
  await sql`
    INSERT INTO notifications (id, client_id, channel, subject, body)
    VALUES (${newId()}, ${n.clientId}, ${n.channel}, ${n.subject}, ${n.body})`;
}

/** Notifications newest first, limit + 1 rows (see toPage). */
export async function listNotifications(sql: Queryable, filter: { clientId?: string }, page: PageRequest): Promise<NotificationRow[]> {
  const where = whereAll(sql, [
    filter.clientId !== undefined ? sql`client_id = ${filter.clientId}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<NotificationRow[]>`SELECT * FROM notifications WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}
