import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AuthEnv } from '../auth';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { jsonBody, newRouter, optionalBody, type RouteDeps, responses, security } from '../router';
import { ActorSchema, Country, CURRENCY_CODES, Currency, Email, Name, Phone, RequiredText, Text, Timestamp, text, Uuid } from '../schemas';
import { NonNegativeAmountIn } from '../schemas/amounts';
import { body, documented } from '../schemas/bodyRules';
import { accountView, clientView } from '../views';
import { AccountSchema } from './accounts';
import { ClientSchema, ClientStatus, ClientType, NAMES_BY_TYPE } from './clients';

/** The client profile beyond create/list/get: changes, blocks, the caller's own profile, onboarding. */

const LimitValues = body({ perTransfer: NonNegativeAmountIn.optional(), daily: NonNegativeAmountIn.optional() });

/**
 * Per currency (ISO 4217), in major units, with at most the currency's minor-unit digits (else 422,
 * a rule of the currency). A currency this ledger holds no accounts in is 422 CURRENCY_NOT_SUPPORTED.
 */
const Limits = z
  .record(
    z.string().refine((code) => (CURRENCY_CODES as readonly string[]).includes(code), 'must be an upper-case ISO 4217 currency code'),
    LimitValues,
  )
  .openapi({
    propertyNames: { $ref: '#/components/schemas/Currency' },
    description:
      'Per currency, in major units, with at most its minor-unit digits (else 422): { "EUR": { "perTransfer": "10000.00", "daily": "20000.00" } }',
  } as never);

const UpdateClientBody = body({
  firstName: Name.optional(),
  lastName: Name.optional(),
  companyName: Name.optional(),
  email: Email.optional(),
  phone: Phone.optional(),
  country: Country.optional(),
  limits: Limits.optional(),
}).openapi('UpdateClient', { description: 'Any subset; type and externalId cannot change (400)' });

const ClientParam = z.object({ clientId: Uuid });
const AccountParam = z.object({ accountId: Uuid });
const StatusSchema = z
  .object({
    status: ClientStatus,
    reason: z.string().nullable(),
    history: z
      .array(z.object({ status: ClientStatus, reason: z.string().nullable(), at: Timestamp, actor: ActorSchema }))
      .openapi({ description: 'Every block and unblock, oldest first, with its reason and who did it' }),
  })
  .openapi('ClientStanding');

const UnblockBody = body({ reason: Text.optional().openapi({ description: 'Why, kept in the status history and the audit log' }) }).openapi(
  'UnblockClient',
);
const AccountBlockBody = body({ reason: Text.optional().openapi({ description: 'Why, for the audit log' }) }).openapi('BlockAccount');

const OnboardingBody = documented(
  body({
    externalId: text(200, 1),
    type: ClientType,
    firstName: Name.optional(),
    lastName: Name.optional(),
    companyName: Name.optional(),
    email: Email,
    phone: Phone.optional(),
    country: Country,
    currencies: z.array(Currency).min(1).max(20),
  }).superRefine((body, ctx) => {
    const needed = body.type === 'individual' ? (['firstName', 'lastName'] as const) : (['companyName'] as const);
    for (const field of needed)
      if (!body[field]) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required for ${body.type}` });
  }),
  'OnboardingCompleted',
  NAMES_BY_TYPE,
);
const OnboardedSchema = z.object({ client: ClientSchema, accounts: z.array(AccountSchema) }).openapi('Onboarded');

const updateRoute = createRoute({
  method: 'put',
  path: '/internal/Clients/{clientId}',
  tags: ['Clients'],
  summary: 'Change profile fields and limits (fields left out stay as they are)',
  security,
  request: { params: ClientParam, ...jsonBody(UpdateClientBody) },
  responses: responses(200, ClientSchema, 'The client', [404, 422]),
});

const blockClientRoute = createRoute({
  method: 'put',
  path: '/internal/Clients/{clientId}/block',
  tags: ['Clients'],
  summary: 'Block: no payment may debit its accounts and no transfer leaves from now on; money still comes in (idempotent)',
  security,
  request: { params: ClientParam, ...jsonBody(body({ reason: RequiredText }).openapi('BlockClient')) },
  responses: responses(200, ClientSchema, 'The client', [404, 422]),
});

const unblockClientRoute = createRoute({
  method: 'put',
  path: '/internal/Clients/{clientId}/unblock',
  tags: ['Clients'],
  summary: 'Unblock (idempotent); the block stays in the status history',
  security,
  request: { params: ClientParam, ...jsonBody(UnblockBody, false) },
  responses: responses(200, ClientSchema, 'The client', [404, 422]),
});

const statusRoute = createRoute({
  method: 'get',
  path: '/internal/Clients/{clientId}/status',
  tags: ['Clients'],
  summary: 'The client status, the reason of its latest change, and the history of blocks and unblocks',
  security,
  request: { params: ClientParam },
  responses: responses(200, StatusSchema, 'The status', [404]),
});

const ownProfileRoute = createRoute({
  method: 'get',
  path: '/Client',
  tags: ['Clients'],
  summary: "The caller's own profile",
  security,
  responses: responses(200, ClientSchema, 'The client'),
});

const onboardingRoute = createRoute({
  method: 'post',
  path: '/internal/Onboarding/completed',
  tags: ['Clients'],
  summary: 'Onboarding callback: the client and one current account per currency; idempotent on externalId (201 first, 200 equal repeat)',
  security,
  request: jsonBody(OnboardingBody),
  responses: {
    ...responses(201, OnboardedSchema, 'Onboarded now', [409, 422]),
    ...responses(200, OnboardedSchema, 'Onboarded before with the same fields'),
  },
});

const accountBlockRoute = (action: 'block' | 'unblock') =>
  createRoute({
    method: 'put',
    path: `/internal/Accounts/{accountId}/${action}`,
    tags: ['Accounts'],
    summary: action === 'block' ? 'Block one account: no debits, credits still land' : 'Unblock one account',
    security,
    request: { params: AccountParam, ...jsonBody(AccountBlockBody, false) },
    responses: responses(200, AccountSchema, 'The account', [404, 422]),
  });
const blockAccountRoute = accountBlockRoute('block');
const unblockAccountRoute = accountBlockRoute('unblock');

export function clientProfileRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const clients = useCases.clients;

  router.openapi(updateRoute, async (c) => {
    const client = await businessRules(() => clients.update(c.get('caller'), c.req.valid('param').clientId, c.req.valid('json')));
    return c.json(success(clientView(client)), 200);
  });
  router.openapi(blockClientRoute, async (c) => {
    const client = await clients.setBlocked(c.get('caller'), c.req.valid('param').clientId, true, c.req.valid('json').reason);
    return c.json(success(clientView(client)), 200);
  });
  router.openapi(unblockClientRoute, async (c) => {
    const { reason } = await optionalBody(c, UnblockBody);
    const client = await clients.setBlocked(c.get('caller'), c.req.valid('param').clientId, false, reason ?? null);
    return c.json(success(clientView(client)), 200);
  });
  router.openapi(statusRoute, async (c) => {
    const { client, history } = await clients.status(c.req.valid('param').clientId);
    return c.json(
      success({
        status: client.status,
        reason: client.statusReason,
        history: history.map((h) => ({
          status: h.status,
          reason: h.reason,
          at: h.at.toISOString(),
          actor: { role: h.actorRole, sub: h.actorSub },
        })),
      }),
      200,
    );
  });
  router.openapi(ownProfileRoute, async (c) => c.json(success(clientView(await clients.get(c.get('caller').sub))), 200));
  router.openapi(onboardingRoute, async (c) => {
    const body = c.req.valid('json');
    const { client, accounts, created } = await clients.onboard({
      externalId: body.externalId,
      type: body.type,
      firstName: body.firstName ?? null,
      lastName: body.lastName ?? null,
      companyName: body.companyName ?? null,
      email: body.email,
      phone: body.phone ?? null,
      country: body.country,
      currencies: body.currencies,
    });
    const value = { client: clientView(client), accounts: accounts.map(accountView) };
    return created ? c.json(success(value), 201) : c.json(success(value), 200);
  });
  const setAccountBlocked = async (c: Context<AuthEnv>, accountId: string, blocked: boolean) => {
    const { reason } = await optionalBody(c, AccountBlockBody);
    return accountView(await useCases.accounts.setBlocked(c.get('caller'), accountId, blocked, reason ?? null));
  };
  router.openapi(blockAccountRoute, async (c) => c.json(success(await setAccountBlocked(c, c.req.valid('param').accountId, true)), 200));
  router.openapi(unblockAccountRoute, async (c) => c.json(success(await setAccountBlocked(c, c.req.valid('param').accountId, false)), 200));
  return router;
}
