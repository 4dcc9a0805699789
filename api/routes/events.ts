import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_TYPE_LIST_PATTERN, EVENT_TYPES } from '../../domain/events';
import { toPageRequest } from '../../domain/paging';
import { eventView } from '../../ledger/events';
import { success } from '../envelope';
import { newRouter, type RouteDeps, responses, security } from '../router';
import { pattern, Timestamp, Uuid } from '../schemas';
import { Cursor, PageQuery, pageOf } from '../schemas/paging';

export const EventSchema = z
  .object({
    id: Uuid.openapi({ description: 'UUID v7; the webhook-id of its deliveries' }),
    type: z.string().openapi({ example: 'payment.posted', description: `one of ${EVENT_TYPES.join(', ')}` }),
    occurredAt: Timestamp,
    aggregate: z.object({
      type: z.enum(['payment', 'transfer', 'account', 'client', 'daily_check', 'webhook_endpoint']),
      id: Uuid,
      sequence: z.number().int().openapi({ description: "1, 2, 3... per aggregate: the order of this aggregate's events" }),
    }),
    clientId: Uuid.nullable(),
    data: z.record(z.string(), z.unknown()).openapi({ description: 'The resource right after the change (see the webhooks section)' }),
  })
  .openapi('Event');

/** `payment.*,transfer.completed`: checked again, pattern by pattern, by domain/events.ts. */
export const EventTypesQuery = pattern(EVENT_TYPE_LIST_PATTERN, 'must be event types or prefixes with .*, comma-separated', 4100).openapi({
  example: 'payment.*,transfer.completed',
});

const listEventsRoute = createRoute({
  method: 'get',
  path: '/internal/Events',
  tags: ['Events'],
  summary: 'The event log, oldest first',
  description:
    'Every change, in the order of the log. The cursor is stable: no event is skipped or repeated while new ones arrive. ' +
    "`nextCursor` is the last event's position whenever the page has events (the log keeps growing): keep it and ask again; " +
    'an empty page answers null.',
  security,
  request: {
    query: z.object({
      after: Cursor.optional().openapi({ description: 'nextCursor of the previous page (empty or left out: from the oldest event kept)' }),
      types: EventTypesQuery.optional(),
      clientId: Uuid.optional(),
      aggregateId: Uuid.optional(),
      ...PageQuery,
    }),
  },
  responses: responses(200, pageOf(EventSchema), 'A page of events, oldest first'),
});

const getEventRoute = createRoute({
  method: 'get',
  path: '/internal/Events/{eventId}',
  tags: ['Events'],
  summary: 'One event',
  security,
  request: { params: z.object({ eventId: Uuid }) },
  responses: responses(200, EventSchema, 'The event', [404]),
});

/** The event log (docs/webhooks.md); system and ops tokens (the /internal rule). */
export function eventRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  router.openapi(listEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const types = q.types === undefined ? undefined : q.types.split(',');
    const page = await useCases.events.list(
      { types, clientId: q.clientId, aggregateId: q.aggregateId },
      toPageRequest(q.limit, q.after ?? q.cursor),
    );
    return c.json(success({ items: page.items.map(eventView), nextCursor: page.nextCursor }), 200);
  });
  router.openapi(getEventRoute, async (c) => c.json(success(eventView(await useCases.events.get(c.req.valid('param').eventId))), 200));
  return router;
}
