import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AuthEnv } from '../auth';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { IdempotencyHeader, OtpCode, Uuid } from '../schemas';
import { AmountIn } from '../schemas/amounts';
import { body, documented, exactlyOne } from '../schemas/bodyRules';
import { TransferParam, TransferSchema, transferView } from '../schemas/transfers';

/** FrontOffice FX transfers: between two accounts of the caller in different currencies, at a locked quote. */

/**
 * The amounts' currencies are those of the accounts, so their minor-unit digits (and whether the
 * other side comes to at least one minor unit) are checked by the use case: 422.
 */
const FxBody = documented(
  body({
    sourceAccountId: Uuid,
    targetAccountId: Uuid,
    sellAmount: AmountIn.optional().openapi({
      description: "What leaves the source account, with at most its currency's minor-unit digits (else 422); or give buyAmount",
    }),
    buyAmount: AmountIn.optional().openapi({
      description: "What reaches the target account, with at most its currency's minor-unit digits (else 422); or give sellAmount",
    }),
  }),
  'CreateFxTransfer',
  exactlyOne(['sellAmount', 'buyAmount'], 'give either sellAmount or buyAmount'),
);

const createFxRoute = createRoute({
  method: 'post',
  path: '/Transfers/fx',
  tags: ['Transfers'],
  summary:
    'Quote and lock an exchange: the sell amount is held and a code is sent (201 PendingConfirmation until quoteExpiresAt). ' +
    'From sellAmount the buy amount is rounded down; from buyAmount the sell amount is rounded up.',
  security,
  request: { headers: IdempotencyHeader, ...jsonBody(FxBody) },
  responses: responses(201, TransferSchema, 'The FX transfer with its locked quote and confirmationId', [404, 409, 422, 503]),
});

const getFxRoute = createRoute({
  method: 'get',
  path: '/Transfers/fx/{transferId}',
  tags: ['Transfers'],
  summary: 'One FX transfer of the caller',
  security,
  request: { params: TransferParam },
  responses: responses(200, TransferSchema, 'The FX transfer', [404]),
});

const confirmFxRoute = createRoute({
  method: 'put',
  path: '/Transfers/fx/{transferId}/confirm',
  tags: ['Transfers'],
  summary: 'Confirm with the code before quoteExpiresAt: both legs post at once (200 Completed); later is 422 QUOTE_EXPIRED',
  description:
    'Refused while the client or the source account is blocked (422 CLIENT_BLOCKED / ACCOUNT_NOT_ACTIVE): nothing changes and the hold stays until a cancel or the quote expires.',
  security,
  request: {
    params: TransferParam,
    ...jsonBody(body({ code: OtpCode }).openapi('ConfirmFxTransfer')),
  },
  responses: responses(200, TransferSchema, 'The completed FX transfer', [404, 409, 422, 503]),
});

const cancelFxRoute = createRoute({
  method: 'delete',
  path: '/Transfers/fx/{transferId}',
  tags: ['Transfers'],
  summary: 'Cancel before confirmation: the hold is released (200 Cancelled)',
  security,
  request: { params: TransferParam },
  responses: responses(200, TransferSchema, 'The cancelled FX transfer', [404, 409, 422, 503]),
});

export function fxTransferRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const fx = useCases.fxTransfers;
  const caller = (c: Context<AuthEnv>) => c.get('caller');

  router.openapi(createFxRoute, async (c) => {
    const body = c.req.valid('json');
    const transfer = await businessRules(() =>
      fx.create(caller(c), {
        sourceAccountId: body.sourceAccountId,
        targetAccountId: body.targetAccountId,
        sellAmount: body.sellAmount,
        buyAmount: body.buyAmount,
        idempotencyKey: c.req.header(IDEMPOTENCY_HEADER),
      }),
    );
    return c.json(success(transferView(transfer)), 201);
  });

  router.openapi(getFxRoute, async (c) => {
    const transfer = await fx.get(caller(c), c.req.valid('param').transferId);
    return c.json(success(transferView(transfer)), 200);
  });

  router.openapi(confirmFxRoute, async (c) => {
    const transfer = await fx.confirm(caller(c), c.req.valid('param').transferId, c.req.valid('json').code);
    return c.json(success(transferView(transfer)), 200);
  });

  router.openapi(cancelFxRoute, async (c) => {
    const transfer = await fx.cancel(caller(c), c.req.valid('param').transferId);
    return c.json(success(transferView(transfer)), 200);
  });

  return router;
}
