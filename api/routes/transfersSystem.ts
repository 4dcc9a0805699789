import { createRoute, z } from '@hono/zod-openapi';
import { toPageRequest } from '../../domain/paging';
import type { TransferDirection, TransferStatus } from '../../domain/transfer';
import { success } from '../envelope';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { Currency, Text, text, Uuid } from '../schemas';
import { AmountIn, toMinor } from '../schemas/amounts';
import { atLeastOne, body, documented } from '../schemas/bodyRules';
import { pageOf } from '../schemas/paging';
import {
  TransferDetailsSchema,
  TransferListQuery,
  TransferParam,
  TransferSchema,
  transferDetailsView,
  transferView,
} from '../schemas/transfers';

/** The system side of transfers: every client's lists and details, and incoming money the provider reports. */

const IncomingBody = documented(
  body({
    providerReference: text(100, 1),
    amount: AmountIn,
    currency: Currency,
    senderName: Text.optional(),
    senderIban: text(42).optional(),
    receiverAccountNumber: text(34).optional(),
    receiverIban: text(42).optional(),
    reference: Text.optional(),
  }),
  'IncomingRequest',
  atLeastOne(['receiverAccountNumber', 'receiverIban'], 'receiverAccountNumber or receiverIban is required'),
);

const listRoute = (path: string, direction: TransferDirection | undefined) =>
  createRoute({
    method: 'get',
    path,
    tags: ['Transfers (system)'],
    summary: direction ? `All ${direction} transfers, newest first` : 'All transfers, newest first',
    security,
    request: { query: z.object({ ...TransferListQuery, clientId: Uuid.optional() }) },
    responses: responses(200, pageOf(TransferSchema), 'A page of transfers'),
  });

const listRoutes = [
  [listRoute('/internal/Transfers', undefined), undefined],
  [listRoute('/internal/Transfers/outgoing', 'outgoing'), 'outgoing'],
  [listRoute('/internal/Transfers/incoming', 'incoming'), 'incoming'],
  [listRoute('/internal/Transfers/fx', 'fx'), 'fx'],
] as const;

const detailsRoute = (direction: TransferDirection) =>
  createRoute({
    method: 'get',
    path: `/internal/Transfers/${direction}/{transferId}`,
    tags: ['Transfers (system)'],
    summary: `One ${direction} transfer with its workflow id, history summary and ops audit`,
    security,
    request: { params: TransferParam },
    responses: responses(200, TransferDetailsSchema, 'The transfer', [404]),
  });

const detailsRoutes = [
  [detailsRoute('outgoing'), 'outgoing'],
  [detailsRoute('incoming'), 'incoming'],
  [detailsRoute('fx'), 'fx'],
] as const;

const incomingRoute = createRoute({
  method: 'post',
  path: '/internal/IncomingRequests',
  tags: ['Transfers (system)'],
  summary: 'The provider reports an incoming payment; idempotent on providerReference (202)',
  security,
  request: jsonBody(IncomingBody),
  responses: responses(202, TransferSchema, 'Accepted: Completed (credited) or Unrecognized (in suspense)', [409, 422, 503]),
});

export function systemTransferRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const transfers = useCases.transfers;

  for (const [route, direction] of listRoutes) {
    router.openapi(route, async (c) => {
      const q = c.req.valid('query');
      const page = await transfers.list(
        {
          clientId: q.clientId,
          direction: direction ?? q.direction,
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
  }

  for (const [route, direction] of detailsRoutes) {
    router.openapi(route, async (c) => {
      const details = await transfers.details(c.get('caller'), c.req.valid('param').transferId, direction);
      return c.json(success(transferDetailsView(details)), 200);
    });
  }

  router.openapi(incomingRoute, async (c) => {
    const body = c.req.valid('json');
    const transfer = await transfers.receiveIncoming(c.get('caller'), {
      providerReference: body.providerReference,
      amountMinor: await toMinor(body.amount, body.currency),
      currency: body.currency,
      senderName: body.senderName ?? null,
      senderIban: body.senderIban ?? null,
      receiverAccountNumber: body.receiverAccountNumber ?? null,
      receiverIban: body.receiverIban?.replace(/\s+/g, '').toUpperCase() ?? null,
      reference: body.reference ?? null,
    });
    return c.json(success(transferView(transfer)), 202);
  });

  return router;
}
