import { createRoute, z } from '@hono/zod-openapi';
import { toPageRequest } from '../../domain/paging';
import type { RecipientRow } from '../../usecases/recipients';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { AccountNumber, Bic, Country, Currency, Iban, Name, Timestamp, Uuid } from '../schemas';
import { atLeastOne, body, documented } from '../schemas/bodyRules';
import { PageQuery, pageOf } from '../schemas/paging';

export const RecipientSchema = z
  .object({
    id: Uuid,
    name: z.string(),
    iban: z.string().nullable(),
    accountNumber: z.string().nullable(),
    bic: z.string().nullable(),
    country: z.string(),
    currency: z.string(),
    type: z.enum(['individual', 'business']),
    hidden: z.boolean(),
    createdAt: Timestamp,
  })
  .openapi('Recipient');

/**
 * A recipient as given inline or stored: IBAN or ledger account number, with BIC for an IBAN abroad.
 * An IBAN's country, length and check digits and a BIC's country are checked when it is used: 422.
 */
export const RecipientInput = documented(
  body({
    name: Name,
    iban: Iban.optional(),
    accountNumber: AccountNumber.optional(),
    bic: Bic.optional(),
    country: Country,
    currency: Currency,
    type: z.enum(['individual', 'business']).default('individual'),
  }),
  'RecipientInput',
  atLeastOne(['iban', 'accountNumber'], 'iban or accountNumber is required'),
);

export const recipientView = (r: RecipientRow) => ({
  id: r.id,
  name: r.name,
  iban: r.iban,
  accountNumber: r.accountNumber,
  bic: r.bic,
  country: r.country,
  currency: r.currency,
  type: r.type,
  hidden: r.hidden,
  createdAt: r.createdAt.toISOString(),
});

const addRecipientRoute = createRoute({
  method: 'post',
  path: '/Recipients',
  tags: ['Recipients'],
  summary: "Add a recipient to the caller's address book",
  security,
  request: jsonBody(RecipientInput),
  responses: responses(201, RecipientSchema, 'The new recipient', [422]),
});

const listRecipientsRoute = createRoute({
  method: 'get',
  path: '/Recipients',
  tags: ['Recipients'],
  summary: "The caller's recipients, newest first",
  security,
  request: {
    query: z.object({ currency: Currency.optional(), hidden: z.enum(['true', 'false']).optional(), ...PageQuery }),
  },
  responses: responses(200, pageOf(RecipientSchema), 'A page of recipients'),
});

const getRecipientRoute = createRoute({
  method: 'get',
  path: '/Recipients/{recipientId}',
  tags: ['Recipients'],
  summary: 'One recipient',
  security,
  request: { params: z.object({ recipientId: Uuid }) },
  responses: responses(200, RecipientSchema, 'The recipient', [404]),
});

const setVisibilityRoute = createRoute({
  method: 'put',
  path: '/Recipients/{recipientId}/visibility',
  tags: ['Recipients'],
  summary: 'Hide or show a recipient',
  security,
  request: { params: z.object({ recipientId: Uuid }), ...jsonBody(body({ hidden: z.boolean() }).openapi('RecipientVisibility')) },
  responses: responses(200, RecipientSchema, 'The recipient', [404]),
});

export function recipientRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const recipients = useCases.recipients;

  router.openapi(addRecipientRoute, async (c) => {
    const recipient = await businessRules(() => recipients.add(c.get('caller'), c.req.valid('json')));
    return c.json(success(recipientView(recipient)), 201);
  });

  router.openapi(listRecipientsRoute, async (c) => {
    const q = c.req.valid('query');
    const hidden = q.hidden === undefined ? undefined : q.hidden === 'true';
    const page = await recipients.list(c.get('caller'), { currency: q.currency, hidden }, toPageRequest(q.limit, q.cursor));
    return c.json(success({ items: page.items.map(recipientView), nextCursor: page.nextCursor }), 200);
  });

  router.openapi(getRecipientRoute, async (c) => {
    const recipient = await recipients.get(c.get('caller'), c.req.valid('param').recipientId);
    return c.json(success(recipientView(recipient)), 200);
  });

  router.openapi(setVisibilityRoute, async (c) => {
    const recipient = await recipients.setHidden(c.get('caller'), c.req.valid('param').recipientId, c.req.valid('json').hidden);
    return c.json(success(recipientView(recipient)), 200);
  });

  return router;
}
