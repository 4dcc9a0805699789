import type { Sql } from '../ledger/db';
import { insertNotification, type NotificationRow } from '../store/notifications';

export type Notification = Pick<NotificationRow, 'clientId' | 'channel' | 'subject' | 'body'> & {
  /** When the one-time code the message carries expires: the message is deleted after it (retention). */
  expiresAt?: Date;
};

/** The SMS/e-mail edge. The local one keeps messages in Postgres; production plugs a gateway in. */
export interface Notifier {
  send(notification: Notification): Promise<void>;
}

/** Stores each message (GET /internal/Notifications shows them, local profile only) and logs it. */
export function createLocalNotifier(sql: Sql, log: (line: string) => void = () => {}): Notifier {
  return {
    async send(n) {
      await insertNotification(sql, n);
      log(`notification to client ${n.clientId} (${n.channel}): ${n.subject}`);
    },
  };
}
