import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_TYPE_PATTERN } from '../../domain/events';
import { toPageRequest } from '../../domain/paging';
import type { DeliveryRow, EndpointRow } from '../../store/webhooks';
import { success } from '../envelope';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { pattern, Text, Timestamp, Uuid } from '../schemas';
import { atLeastOne, body, documented, exactlyOne } from '../schemas/bodyRules';
import { TimestampIn } from '../schemas/dates';
import { PageQuery, pageOf } from '../schemas/paging';

const Url = pattern(/^https?:\/\/[!-~]{1,2040}$/, 'must be an http(s) URL (printable ASCII)', 2048).openapi({
  example: 'https://hooks.example.com/corebank',
  description: 'https; outside the local profile it must resolve to a public address (the local profile also takes http://127.0.0.1)',
});
const EventTypePattern = pattern(EVENT_TYPE_PATTERN, 'must be an event type or a prefix with .*', 81).openapi({
  example: 'transfer.*',
});
const EndpointStatus = z.enum(['enabled', 'disabled']);

const EndpointSchema = z
  .object({
    id: Uuid,
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    clientId: Uuid.nullable(),
    status: EndpointStatus,
    disabledReason: z.string().nullable(),
    previousSecretValidUntil: Timestamp.nullable().openapi({ description: 'after a rotation: until when the previous secret still signs' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('WebhookEndpoint');

const EndpointWithSecret = EndpointSchema.extend({
  secret: z.string().openapi({ description: '`whsec_` + base64 of 32 random bytes: shown this once, store it now', example: 'whsec_...' }),
}).openapi('WebhookEndpointWithSecret');

const DeliverySchema = z
  .object({
    eventId: Uuid,
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: Timestamp.nullable(),
    deliveredAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .openapi('WebhookDelivery');

const endpointView = (e: EndpointRow) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  clientId: e.clientId,
  status: e.status as 'enabled' | 'disabled',
  disabledReason: e.disabledReason,
  previousSecretValidUntil:
    e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > Date.now() ? e.previousSecretExpiresAt.toISOString() : null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

const deliveryView = (d: DeliveryRow) => ({
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
});

const tags = ['Webhook endpoints'];
const EndpointParam = z.object({ endpointId: Uuid });

const createEndpointRoute = createRoute({
  method: 'post',
  path: '/internal/WebhookEndpoints',
  tags,
  summary: 'Register an endpoint: 201 with its signing secret, shown this once',
  security,
  request: jsonBody(
    body({
      url: Url,
      eventTypes: z.array(EventTypePattern).min(1).max(50).openapi({ description: 'exact types or prefixes with .*; ["*"] for all' }),
      description: Text.nullable().optional(),
      clientId: Uuid.optional().openapi({ description: "only this client's events" }),
    }).openapi('CreateWebhookEndpoint'),
  ),
  responses: responses(201, EndpointWithSecret, 'The endpoint and its secret', [404, 422]),
});

const listEndpointsRoute = createRoute({
  method: 'get',
  path: '/internal/WebhookEndpoints',
  tags,
  summary: 'The endpoints, newest first (never their secrets)',
  security,
  request: { query: z.object({ clientId: Uuid.optional(), ...PageQuery }) },
  responses: responses(200, pageOf(EndpointSchema), 'A page of endpoints'),
});

const getEndpointRoute = createRoute({
  method: 'get',
  path: '/internal/WebhookEndpoints/{endpointId}',
  tags,
  summary: 'One endpoint (never its secret)',
  security,
  request: { params: EndpointParam },
  responses: responses(200, EndpointSchema, 'The endpoint', [404]),
});

const updateEndpointRoute = createRoute({
  method: 'patch',
  path: '/internal/WebhookEndpoints/{endpointId}',
  tags,
  summary: 'Change url, eventTypes, description or status; enabled again, it sends what happens from then on',
  security,
  request: {
    params: EndpointParam,
    ...jsonBody(
      documented(
        body({
          url: Url.optional(),
          eventTypes: z.array(EventTypePattern).min(1).max(50).optional(),
          description: Text.nullable().optional(),
          status: EndpointStatus.optional(),
        }),
        'UpdateWebhookEndpoint',
        atLeastOne(['url', 'eventTypes', 'description', 'status']),
      ),
    ),
  },
  responses: responses(200, EndpointSchema, 'The endpoint', [404]),
});

const deleteEndpointRoute = createRoute({
  method: 'delete',
  path: '/internal/WebhookEndpoints/{endpointId}',
  tags,
  summary: 'Remove: nothing more is sent, deliveries in flight stop',
  security,
  request: { params: EndpointParam },
  responses: responses(
    200, // A plain boolean (always true), not a one-value enum: the Java generator turns `enum: [true]` into a String.
    z.object({ id: Uuid, deleted: z.boolean().openapi({ description: 'Always true' }) }).openapi('WebhookEndpointDeleted'),
    'Removed',
    [404],
  ),
});

const rotateRoute = createRoute({
  method: 'post',
  path: '/internal/WebhookEndpoints/{endpointId}/rotate-secret',
  tags,
  summary: 'A new secret, shown this once; the previous one keeps signing for 24 hours (both signatures are sent)',
  security,
  request: { params: EndpointParam },
  responses: responses(200, EndpointWithSecret, 'The endpoint and its new secret', [404]),
});

const testRoute = createRoute({
  method: 'post',
  path: '/internal/WebhookEndpoints/{endpointId}/test',
  tags,
  summary: 'Send a webhook.test event to this endpoint now',
  security,
  request: { params: EndpointParam },
  responses: responses(
    202,
    z.object({ eventId: Uuid }).openapi('WebhookTestQueued'),
    'Queued; its delivery shows in the deliveries',
    [404],
  ),
});

const deliveriesRoute = createRoute({
  method: 'get',
  path: '/internal/WebhookEndpoints/{endpointId}/deliveries',
  tags,
  summary: "The endpoint's deliveries, newest first",
  security,
  request: {
    params: EndpointParam,
    query: z.object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), eventId: Uuid.optional(), ...PageQuery }),
  },
  responses: responses(200, pageOf(DeliverySchema), 'A page of deliveries', [404]),
});

const redeliverRoute = createRoute({
  method: 'post',
  path: '/internal/WebhookEndpoints/{endpointId}/redeliver',
  tags,
  summary: 'Send events again (failed ones included), with their first id and body',
  security,
  request: {
    params: EndpointParam,
    ...jsonBody(
      documented(
        body({
          eventIds: z.array(Uuid).min(1).max(500).optional(),
          since: TimestampIn.optional().openapi({ description: "every event the endpoint's filters take since then (at most 10,000)" }),
        }),
        'RedeliverWebhooks',
        exactlyOne(['eventIds', 'since']),
      ),
    ),
  },
  responses: responses(202, z.object({ queued: z.number().int() }).openapi('WebhookRedeliveryQueued'), 'Queued', [404]),
});

/** Webhook endpoints (docs/webhooks.md); system and ops tokens (the /internal rule). */
export function webhookRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const webhooks = useCases.webhooks;
  router.openapi(createEndpointRoute, async (c) => {
    const b = c.req.valid('json');
    const { endpoint, secret } = await webhooks.create({
      url: b.url,
      eventTypes: b.eventTypes,
      description: b.description ?? null,
      clientId: b.clientId ?? null,
    });
    return c.json(success({ ...endpointView(endpoint), secret }), 201);
  });
  router.openapi(listEndpointsRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await webhooks.list({ clientId: q.clientId }, toPageRequest(q.limit, q.cursor));
    return c.json(success({ items: page.items.map(endpointView), nextCursor: page.nextCursor }), 200);
  });
  router.openapi(getEndpointRoute, async (c) => c.json(success(endpointView(await webhooks.get(c.req.valid('param').endpointId))), 200));
  router.openapi(updateEndpointRoute, async (c) => {
    const updated = await webhooks.update(c.req.valid('param').endpointId, c.req.valid('json'));
    return c.json(success(endpointView(updated)), 200);
  });
  router.openapi(deleteEndpointRoute, async (c) => {
    const { endpointId } = c.req.valid('param');
    await webhooks.remove(endpointId);
    return c.json(success({ id: endpointId, deleted: true }), 200);
  });
  router.openapi(rotateRoute, async (c) => {
    const { endpoint, secret } = await webhooks.rotateSecret(c.req.valid('param').endpointId);
    return c.json(success({ ...endpointView(endpoint), secret }), 200);
  });
  router.openapi(testRoute, async (c) => c.json(success({ eventId: await webhooks.sendTest(c.req.valid('param').endpointId) }), 202));
  router.openapi(deliveriesRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await webhooks.deliveries(
      c.req.valid('param').endpointId,
      { status: q.status, eventId: q.eventId },
      toPageRequest(q.limit, q.cursor),
    );
    return c.json(success({ items: page.items.map(deliveryView), nextCursor: page.nextCursor }), 200);
  });
  router.openapi(redeliverRoute, async (c) => {
    const b = c.req.valid('json');
    const what = b.eventIds ? { eventIds: b.eventIds } : { since: new Date(b.since as string) };
    return c.json(success({ queued: await webhooks.redeliver(c.req.valid('param').endpointId, what) }), 202);
  });
  return router;
}
