import { newId } from '../domain/ids';
import type { Sql } from '../ledger/db';

export interface Notification {
  clientId: string | null;
  channel: 'sms' | 'email';
  subject: string;
  body: string;
}

/** The SMS/e-mail edge. The local one keeps messages in Postgres; production plugs a gateway in. */
export interface Notifier {
  send(notification: Notification): Promise<void>;
}

/** Stores each message (GET /internal/Notifications shows them, local profile only) and logs it. */
export function createLocalNotifier(sql: Sql, log: (line: string) => void = () => {}): Notifier {
  return {
    async send(n) {
      await sql`
        INSERT INTO notifications (id, client_id, channel, subject, body)
        VALUES (${newId()}, ${n.clientId}, ${n.channel}, ${n.subject}, ${n.body})`;
      log(`notification to client ${n.clientId} (${n.channel}): ${n.subject}`);
    },
  };
}
