import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../domain/errors';
import { toPage, toPageRequest } from '../../domain/paging';
import { listNotifications } from '../../store/notifications';
import { success } from '../envelope';
import { type AppDeps, newRouter, responses, security } from '../router';
import { PageQuery, pageOf, Timestamp, Uuid } from '../schemas';

const NotificationSchema = z
  .object({ id: Uuid, clientId: Uuid.nullable(), channel: z.string(), subject: z.string(), body: z.string(), createdAt: Timestamp })
  .openapi('Notification');

/** What the local notifier sent, OTP codes among them: local profile only (404 elsewhere). */
export function notificationRoutes(deps: AppDeps) {
  const router = newRouter();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/internal/Notifications',
      tags: ['Notifications'],
      summary: 'Messages the local notifier sent (OTP codes among them); local profile only',
      security,
      request: { query: z.object({ clientId: Uuid.optional(), ...PageQuery }) },
      responses: responses(200, pageOf(NotificationSchema), 'A page of notifications, newest first', [404]),
    }),
    async (c) => {
      if (deps.profile !== 'local') throw new NotFoundError('route', c.req.path);
      const q = c.req.valid('query');
      const page = toPageRequest(q.limit, q.cursor);
      const rows = await listNotifications(deps.sql, { clientId: q.clientId }, page);
      const view = (n: (typeof rows)[number]) => ({
        id: n.id,
        clientId: n.clientId,
        channel: n.channel,
        subject: n.subject,
        body: n.body,
        createdAt: n.createdAt.toISOString(),
      });
      return c.json(success(toPage(rows, page.limit, view)), 200);
    },
  );
  return router;
}
