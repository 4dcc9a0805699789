import { createRoute, z } from '@hono/zod-openapi';
import { toPageRequest } from '../../domain/paging';
import type { RecipientRow } from '../../usecases/recipients';
import { success } from '../envelope';
import { newRouter, type RouteDeps, responses, security } from '../router';
import { Currency, Uuid } from '../schemas';
import { PageQuery, pageOf } from '../schemas/paging';
import { RecipientSchema, recipientView } from './recipients';

/** The back office's view of every client's address book. */

const SystemRecipientSchema = RecipientSchema.extend({ clientId: Uuid }).openapi('SystemRecipient');
const systemView = (r: RecipientRow) => ({ ...recipientView(r), clientId: r.clientId });

const listRoute = createRoute({
  method: 'get',
  path: '/internal/Recipients',
  tags: ['Recipients (system)'],
  summary: "Every client's recipients, newest first",
  security,
  request: {
    query: z.object({
      clientId: Uuid.optional(),
      currency: Currency.optional(),
      hidden: z.enum(['true', 'false']).optional(),
      ...PageQuery,
    }),
  },
  responses: responses(200, pageOf(SystemRecipientSchema), 'A page of recipients'),
});

const getRoute = createRoute({
  method: 'get',
  path: '/internal/Recipients/{recipientId}',
  tags: ['Recipients (system)'],
  summary: 'One recipient of any client',
  security,
  request: { params: z.object({ recipientId: Uuid }) },
  responses: responses(200, SystemRecipientSchema, 'The recipient', [404]),
});

export function systemRecipientRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const recipients = useCases.recipients;

  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const hidden = q.hidden === undefined ? undefined : q.hidden === 'true';
    const page = await recipients.listAll({ clientId: q.clientId, currency: q.currency, hidden }, toPageRequest(q.limit, q.cursor));
    return c.json(success({ items: page.items.map(systemView), nextCursor: page.nextCursor }), 200);
  });

  router.openapi(getRoute, async (c) => {
    const recipient = await recipients.getAny(c.req.valid('param').recipientId);
    return c.json(success(systemView(recipient)), 200);
  });

  return router;
}
