import { createRoute, z } from '@hono/zod-openapi';
import { ACCOUNT_OTP_OPERATIONS } from '../../usecases/clientAccounts';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { Currency, Name, OtpCode, pattern, Timestamp, text, Uuid } from '../schemas';
import { body } from '../schemas/bodyRules';
import { accountView } from '../views';
import { AccountSchema } from './accounts';

/** FrontOffice accounts: the caller's own (role client); another client's account is 404. */

const AccountParam = z.object({ accountId: Uuid });

const openRoute = createRoute({
  method: 'post',
  path: '/Accounts',
  tags: ['Accounts (client)'],
  summary: 'Open an account: it gets an account number and an IBAN, last in the display order',
  security,
  request: jsonBody(body({ currency: Currency, name: Name, purpose: z.enum(['current', 'savings']) }).openapi('OpenAccount')),
  responses: responses(201, AccountSchema, 'The new account', [422]),
});

const listRoute = createRoute({
  method: 'get',
  path: '/Accounts',
  tags: ['Accounts (client)'],
  summary: "The caller's accounts by displayOrder",
  security,
  responses: responses(200, z.array(AccountSchema), 'The accounts'),
});

const findRoute = createRoute({
  method: 'get',
  // One name for the segment of /Accounts/{...} on every method (OpenAPI: equivalent paths are one
  // path); here it also takes an account number or an IBAN (docs/api.md: an id, an account number or an IBAN).
  path: '/Accounts/{accountId}',
  tags: ['Accounts (client)'],
  summary: 'One account: a UUID is an id; anything else an account number or an IBAN',
  security,
  request: {
    params: z.object({ accountId: text(42, 1).openapi({ description: 'The account id (a UUID), its account number or its IBAN' }) }),
  },
  responses: responses(200, AccountSchema, 'The account', [404]),
});

const renameRoute = createRoute({
  method: 'patch',
  path: '/Accounts/{accountId}',
  tags: ['Accounts (client)'],
  summary: 'Rename',
  security,
  request: { params: AccountParam, ...jsonBody(body({ name: Name }).openapi('RenameAccount')) },
  responses: responses(200, AccountSchema, 'The account', [404]),
});

const reorderRoute = createRoute({
  method: 'put',
  path: '/Accounts/reorder-accounts',
  tags: ['Accounts (client)'],
  summary: 'The full list of the caller’s account ids in the new display order (any other list is 422)',
  security,
  request: jsonBody(body({ accountIds: z.array(Uuid).min(1).max(500) }).openapi('ReorderAccounts')),
  responses: responses(200, z.array(AccountSchema), 'The accounts in the new order', [422]),
});

const sendOtpRoute = createRoute({
  method: 'post',
  path: '/Accounts/send-otp',
  tags: ['Accounts (client)'],
  summary: 'Send a 6-digit code for an operation on one account',
  security,
  request: jsonBody(body({ operation: z.enum(ACCOUNT_OTP_OPERATIONS), accountId: Uuid }).openapi('SendAccountOtp')),
  responses: responses(201, z.object({ otpId: Uuid, expiresAt: Timestamp }).openapi('AccountOtp'), 'The code was sent', [404, 429, 503]),
});

const verifyOtpRoute = createRoute({
  method: 'post',
  path: '/Accounts/otp-verification',
  tags: ['Accounts (client)'],
  summary: 'Check the code: a token usable once for that operation on that account (5 wrong codes lock it)',
  security,
  request: jsonBody(body({ otpId: Uuid, code: OtpCode }).openapi('VerifyAccountOtp')),
  responses: responses(200, z.object({ otpToken: z.string() }).openapi('AccountOtpToken'), 'The token', [404, 422]),
});

const closeRoute = createRoute({
  method: 'delete',
  path: '/Accounts/{accountId}',
  tags: ['Accounts (client)'],
  summary: 'Close: needs no balance, no holds, and a token from a verified close code (X-Otp-Token)',
  security,
  request: {
    params: AccountParam,
    headers: z.object({
      'x-otp-token': pattern(/^[A-Za-z0-9_-]{1,100}$/, 'must be a token from /Accounts/otp-verification', 100).optional(),
    }),
  },
  responses: responses(200, AccountSchema, 'The closed account', [404, 422]),
});

export function myAccountRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const accounts = useCases.clientAccounts;

  router.openapi(openRoute, async (c) => c.json(success(accountView(await accounts.open(c.get('caller'), c.req.valid('json')))), 201));
  router.openapi(listRoute, async (c) => c.json(success((await accounts.list(c.get('caller'))).map(accountView)), 200));
  router.openapi(findRoute, async (c) =>
    c.json(success(accountView(await accounts.find(c.get('caller'), c.req.valid('param').accountId))), 200),
  );
  router.openapi(renameRoute, async (c) =>
    c.json(success(accountView(await accounts.rename(c.get('caller'), c.req.valid('param').accountId, c.req.valid('json').name))), 200),
  );
  router.openapi(reorderRoute, async (c) =>
    c.json(success((await businessRules(() => accounts.reorder(c.get('caller'), c.req.valid('json').accountIds))).map(accountView)), 200),
  );
  router.openapi(sendOtpRoute, async (c) => {
    const sent = await accounts.sendOtp(c.get('caller'), c.req.valid('json'));
    return c.json(success({ otpId: sent.otpId, expiresAt: sent.expiresAt.toISOString() }), 201);
  });
  router.openapi(verifyOtpRoute, async (c) => c.json(success(await accounts.verifyOtp(c.get('caller'), c.req.valid('json'))), 200));
  router.openapi(closeRoute, async (c) => {
    const closed = await accounts.close(c.get('caller'), c.req.valid('param').accountId, c.req.valid('header')['x-otp-token']);
    return c.json(success(accountView(closed)), 200);
  });
  return router;
}
