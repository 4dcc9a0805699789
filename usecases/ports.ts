import type { NotificationRow } from '../store/notifications';

/**
 * The interfaces of the true external edges that use cases and activities both reach. The concrete
 * adapter is chosen by each process's main (api/main.ts, worker/main.ts) and passed in; use cases
 * and activities know only these.
 */

export type Notification = Pick<NotificationRow, 'clientId' | 'channel' | 'subject' | 'body'> & {
  /** When the one-time code the message carries expires: the message is deleted after it (retention). */
  expiresAt?: Date;
};

/** The SMS/e-mail edge. The local one keeps messages in Postgres; production plugs a gateway in. */
export interface Notifier {
  send(notification: Notification): Promise<void>;
}
