import { type Page, type PageRequest, toPage } from '../domain/paging';
import { listNotifications, type NotificationRow } from '../store/notifications';
import type { UseCaseDeps } from './deps';

export type { NotificationRow };

/** What the local notifier sent (OTP codes among them), for tests and local development. */
export function createNotificationUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  /** Notifications newest first, all or one client's. */
  async function list(filter: { clientId?: string }, page: PageRequest): Promise<Page<NotificationRow>> {
    return toPage(await listNotifications(sql, filter, page), page.limit, (row) => row);
  }

  return { list };
}

export type NotificationUseCases = ReturnType<typeof createNotificationUseCases>;
