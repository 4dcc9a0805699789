import { createRoute, z } from '@hono/zod-openapi';
import { toPageRequest } from '../../domain/paging';
import { success } from '../envelope';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { Country, Email, Name, Phone, Timestamp, text, Uuid } from '../schemas';
import { body, documented, enforcedBy } from '../schemas/bodyRules';
import { PageQuery, pageOf } from '../schemas/paging';
import { clientView } from '../views';

// Named once and reused: an inline enum is named <Model><Field> by generators, which collides with
// a component of that name.
export const ClientStatus = z.enum(['active', 'blocked', 'closed']).openapi('ClientStatus');
export const ClientType = z.enum(['individual', 'business']).openapi('ClientType');

export const ClientSchema = z
  .object({
    id: Uuid,
    type: ClientType,
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    companyName: z.string().nullable(),
    email: z.string(),
    phone: z.string().nullable(),
    country: z.string(),
    externalId: z.string().nullable(),
    status: ClientStatus,
    statusReason: z.string().nullable(),
    blockReason: z.string().nullable(),
    limits: z.record(z.string(), z.object({ perTransfer: z.string().optional(), daily: z.string().optional() })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Client');

/** An individual names a first and last name, a business its company name. */
export const NAMES_BY_TYPE = enforcedBy({
  anyOf: [
    { properties: { type: { const: 'individual' } }, required: ['firstName', 'lastName'] },
    { properties: { type: { const: 'business' } }, required: ['companyName'] },
  ],
});

const CreateClientBody = documented(
  body({
    type: ClientType,
    firstName: Name.optional(),
    lastName: Name.optional(),
    companyName: Name.optional(),
    email: Email,
    phone: Phone.optional(),
    country: Country,
    externalId: text(500, 1).optional(),
  }).superRefine((body, ctx) => {
    if (body.type === 'individual') {
      for (const field of ['firstName', 'lastName'] as const) {
        if (!body[field]) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required for an individual` });
      }
    } else if (!body.companyName) {
      ctx.addIssue({ code: 'custom', path: ['companyName'], message: 'companyName is required for a business' });
    }
  }),
  'CreateClient',
  NAMES_BY_TYPE,
);

const createClientRoute = createRoute({
  method: 'post',
  path: '/internal/Clients',
  tags: ['Clients'],
  summary: 'Create a client',
  security,
  request: jsonBody(CreateClientBody),
  responses: responses(201, ClientSchema, 'The new client', [409]),
});

const listClientsRoute = createRoute({
  method: 'get',
  path: '/internal/Clients',
  tags: ['Clients'],
  summary: 'Clients, newest first',
  security,
  request: {
    query: z.object({
      status: ClientStatus.optional(),
      type: ClientType.optional(),
      search: text(200, 1).optional().openapi({ description: 'part of a name or the e-mail' }),
      ...PageQuery,
    }),
  },
  responses: responses(200, pageOf(ClientSchema), 'A page of clients'),
});

const getClientRoute = createRoute({
  method: 'get',
  path: '/internal/Clients/{clientId}',
  tags: ['Clients'],
  summary: 'One client',
  security,
  request: { params: z.object({ clientId: Uuid }) },
  responses: responses(200, ClientSchema, 'The client', [404]),
});

export function clientRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const clients = useCases.clients;

  router.openapi(createClientRoute, async (c) => {
    const body = c.req.valid('json');
    const client = await clients.create({
      type: body.type,
      firstName: body.firstName ?? null,
      lastName: body.lastName ?? null,
      companyName: body.companyName ?? null,
      email: body.email,
      phone: body.phone ?? null,
      country: body.country,
      externalId: body.externalId ?? null,
    });
    return c.json(success(clientView(client)), 201);
  });

  router.openapi(listClientsRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await clients.list({ status: q.status, type: q.type, search: q.search }, toPageRequest(q.limit, q.cursor));
    return c.json(success({ items: page.items.map(clientView), nextCursor: page.nextCursor }), 200);
  });

  router.openapi(getClientRoute, async (c) => c.json(success(clientView(await clients.get(c.req.valid('param').clientId))), 200));

  return router;
}
