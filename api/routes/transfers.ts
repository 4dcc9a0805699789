import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { formatAmount } from '../../domain/money';
import { toPageRequest } from '../../domain/paging';
import type { TransferDirection, TransferStatus } from '../../domain/transfer';
import type { AuthEnv } from '../auth';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { AmountOut, Currency, IdempotencyHeader, OtpCode, pattern, Text, Timestamp, Uuid } from '../schemas';
import { AmountIn, toMinor } from '../schemas/amounts';
import { body, documented, exactlyOne } from '../schemas/bodyRules';
import { pageOf } from '../schemas/paging';
import { TransferListQuery, TransferParam, TransferSchema, transferView } from '../schemas/transfers';
import { RecipientInput } from './recipients';

/** FrontOffice transfers: a client's own, with its token (role client, sub = client id). */

const OutgoingBody = documented(
  body({
    accountId: Uuid,
    recipientId: Uuid.optional(),
    recipient: RecipientInput.optional(),
    amount: AmountIn,
    currency: Currency,
    reference: Text.optional(),
  }),
  'CreateOutgoingTransfer',
  exactlyOne(['recipientId', 'recipient'], 'give either recipientId or recipient'),
);

/** An account number of this ledger (digits), or an IBAN (whose country, length and check digits make a 422). */
const RecipientAccount = pattern(
  /^(?:\d{6,34}|[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30})$/,
  'must be an account number (6 to 34 digits) or an IBAN',
  42,
).openapi({ example: 'DE89370400440532013000' });

const typeRoute = createRoute({
  method: 'get',
  path: '/Transfers/type',
  tags: ['Transfers'],
  summary: 'Which rail a transfer to this IBAN or account number takes, its fee and estimated arrival',
  security,
  request: { query: z.object({ recipientAccount: RecipientAccount, currency: Currency }) },
  responses: responses(
    200,
    z.object({ type: z.enum(['Internal', 'Sepa', 'Swift']), fee: AmountOut, estimatedArrival: Timestamp }).openapi('TransferRoute'),
    'Type, fee and estimated arrival',
    [422],
  ),
});

const createOutgoingRoute = createRoute({
  method: 'post',
  path: '/Transfers/outgoing',
  tags: ['Transfers'],
  summary: 'Create an outgoing transfer: amount + fee are held and a code is sent (PendingConfirmation)',
  security,
  request: { headers: IdempotencyHeader, ...jsonBody(OutgoingBody) },
  responses: responses(201, TransferSchema, 'The transfer, PendingConfirmation, with its confirmationId', [404, 409, 422, 503]),
});

const confirmRoute = createRoute({
  method: 'put',
  path: '/Transfers/outgoing/{transferId}/confirm',
  tags: ['Transfers'],
  summary: 'Confirm with the one-time code: 200 Confirmed or later; a lost race is 422 with the status that won',
  description:
    'Confirming lets the money leave, so it is refused while the client or the paying account is blocked (422 CLIENT_BLOCKED / ' +
    'ACCOUNT_NOT_ACTIVE): nothing changes, the hold stays and the code is not used up; after the unblock the same code confirms. ' +
    'An Internal transfer whose recipient account closed meanwhile ends Failed with its holds released and a failureReason.',
  security,
  request: {
    params: TransferParam,
    ...jsonBody(body({ code: OtpCode }).openapi('ConfirmTransfer')),
  },
  responses: responses(200, TransferSchema, 'The transfer', [404, 409, 422, 503]),
});

const cancelRoute = createRoute({
  method: 'delete',
  path: '/Transfers/outgoing/{transferId}',
  tags: ['Transfers'],
  summary: 'Cancel before it is processed: the hold is released (200 Cancelled)',
  security,
  request: { params: TransferParam },
  responses: responses(200, TransferSchema, 'The cancelled transfer', [404, 409, 422, 503]),
});

const getRoute = (path: string, direction: TransferDirection | undefined) =>
  createRoute({
    method: 'get',
    path,
    tags: ['Transfers'],
    summary: direction ? `One ${direction} transfer of the caller` : 'One transfer of the caller',
    security,
    request: { params: TransferParam },
    responses: responses(200, TransferSchema, 'The transfer', [404]),
  });

const getRoutes = [
  [getRoute('/Transfers/{transferId}', undefined), undefined],
  [getRoute('/Transfers/outgoing/{transferId}', 'outgoing'), 'outgoing'],
  [getRoute('/Transfers/incoming/{transferId}', 'incoming'), 'incoming'],
] as const;

const listRoute = createRoute({
  method: 'get',
  path: '/Transfers',
  tags: ['Transfers'],
  summary: "The caller's transfers, newest first",
  security,
  request: { query: z.object(TransferListQuery) },
  responses: responses(200, pageOf(TransferSchema), 'A page of transfers'),
});

export function transferRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const transfers = useCases.transfers;
  const caller = (c: Context<AuthEnv>) => c.get('caller');

  router.openapi(typeRoute, async (c) => {
    const { recipientAccount, currency } = c.req.valid('query');
    const quote = await businessRules(() => transfers.quoteType(recipientAccount, currency));
    return c.json(
      success({ type: quote.type, fee: formatAmount(quote.feeMinor, currency), estimatedArrival: quote.estimatedArrival.toISOString() }),
      200,
    );
  });

  router.openapi(createOutgoingRoute, async (c) => {
    const body = c.req.valid('json');
    const amountMinor = await toMinor(body.amount, body.currency);
    const transfer = await businessRules(() =>
      transfers.createOutgoing(caller(c), {
        accountId: body.accountId,
        recipientId: body.recipientId,
        recipient: body.recipient,
        amountMinor,
        currency: body.currency,
        reference: body.reference ?? null,
        idempotencyKey: c.req.header(IDEMPOTENCY_HEADER),
      }),
    );
    return c.json(success(transferView(transfer)), 201);
  });

  router.openapi(confirmRoute, async (c) => {
    const transfer = await transfers.confirm(caller(c), c.req.valid('param').transferId, c.req.valid('json').code);
    return c.json(success(transferView(transfer)), 200);
  });

  router.openapi(cancelRoute, async (c) => {
    const transfer = await transfers.cancel(caller(c), c.req.valid('param').transferId);
    return c.json(success(transferView(transfer)), 200);
  });

  for (const [route, direction] of getRoutes) {
    router.openapi(route, async (c) => {
      const transfer = await transfers.visible(caller(c), c.req.valid('param').transferId, direction);
      return c.json(success(transferView(transfer)), 200);
    });
  }

  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await transfers.list(
      {
        clientId: caller(c).sub,
        direction: q.direction,
        type: q.type,
        status: q.status as TransferStatus | undefined,
        accountId: q.accountId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      },
      toPageRequest(q.limit, q.cursor),
    );
    return c.json(success({ items: page.items.map(transferView), nextCursor: page.nextCursor }), 200);
  });

  return router;
}
