import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../domain/errors';
import { toPageRequest } from '../../domain/paging';
import type { NotificationRow } from '../../usecases/notifications';
import { success } from '../envelope';
import { newRouter, type RouteDeps, responses, security } from '../router';
import { Timestamp, Uuid } from '../schemas';
import { PageQuery, pageOf } from '../schemas/paging';

const NotificationSchema = z
  .object({ id: Uuid, clientId: Uuid.nullable(), channel: z.string(), subject: z.string(), body: z.string(), createdAt: Timestamp })
  .openapi('Notification');

const listNotificationsRoute = createRoute({
  method: 'get',
  path: '/internal/Notifications',
  tags: ['Notifications'],
  summary: 'Messages the local notifier sent (OTP codes among them); only where the local notifier runs',
  security,
  request: { query: z.object({ clientId: Uuid.optional(), ...PageQuery }) },
  responses: responses(200, pageOf(NotificationSchema), 'A page of notifications, newest first', [404]),
});

const notificationView = (n: NotificationRow) => ({
  id: n.id,
  clientId: n.clientId,
  channel: n.channel,
  subject: n.subject,
  body: n.body,
  createdAt: n.createdAt.toISOString(),
});

/** What the local notifier sent, OTP codes among them: only where that notifier runs (404 elsewhere). */
export function notificationRoutes({ useCases, localNotifier }: RouteDeps) {
  const router = newRouter();
  router.openapi(listNotificationsRoute, async (c) => {
    if (!localNotifier) throw new NotFoundError('route', c.req.path);
    const q = c.req.valid('query');
    const page = await useCases.notifications.list({ clientId: q.clientId }, toPageRequest(q.limit, q.cursor));
    return c.json(success({ items: page.items.map(notificationView), nextCursor: page.nextCursor }), 200);
  });
  return router;
}
