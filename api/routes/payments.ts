import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { NotFoundError } from '../../domain/errors';
import { derivedId, newId } from '../../domain/ids';
import { parseAmount } from '../../domain/money';
import { toPage, toPageRequest } from '../../domain/paging';
import { PaymentStatus } from '../../domain/payment';
import { checkMovement, entriesOfPayment } from '../../ledger/journal';
import { getPayment, listPayments, type PaymentRow } from '../../store/payments';
import type { AuthEnv } from '../auth';
import { success } from '../envelope';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import { createPaymentCommands } from '../paymentCommands';
import { type AppDeps, jsonBody, newRouter, optionalBody, responses, security } from '../router';
import { AmountIn, AmountOut, Currency, IdempotencyHeader, PageQuery, pageOf, Text, Timestamp, TimestampIn, Uuid } from '../schemas';
import { paymentView } from '../views';

export const TransactionSchema = z
  .object({
    id: Uuid,
    debitAccountId: Uuid,
    creditAccountId: Uuid,
    amount: AmountOut,
    currency: z.string(),
    type: z.enum(['posted', 'pending', 'post_pending', 'void_pending']),
    pendingId: Uuid.nullable(),
    paymentId: Uuid.nullable(),
    transferId: Uuid.nullable(),
    description: z.string().nullable(),
    createdAt: Timestamp,
  })
  .openapi('Transaction');

export const PaymentSchema = z
  .object({
    id: Uuid,
    debitAccountId: Uuid,
    creditAccountId: Uuid,
    amount: AmountOut,
    currency: z.string(),
    description: z.string().nullable(),
    reference: z.string().nullable(),
    status: z.enum(PaymentStatus),
    holdExpiresAt: Timestamp.nullable(),
    cancelReason: z.string().nullable(),
    transactions: z.array(TransactionSchema),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Payment');

const CreatePaymentBody = z
  .object({
    debitAccountId: Uuid,
    creditAccountId: Uuid,
    amount: AmountIn,
    currency: Currency,
    description: Text.optional(),
    reference: Text.optional(),
  })
  .openapi('CreatePayment');

const DraftPaymentBody = CreatePaymentBody.extend({
  holdExpiresAt: TimestampIn.optional().openapi({ description: 'When a hold taken by pend expires (default: 7 days after pend)' }),
}).openapi('CreateDraftPayment');

const PendBody = z.object({ holdExpiresAt: TimestampIn.optional() }).openapi('PendPayment');
const CancelBody = z.object({ reason: Text.optional() }).openapi('CancelPayment');
const PaymentIdParam = z.object({ paymentId: Uuid });

export function paymentRoutes(deps: AppDeps) {
  const router = newRouter();
  const commands = createPaymentCommands(deps);

  const view = async (payment: PaymentRow) => paymentView(payment, await entriesOfPayment(deps.sql, payment.id));

  /** With an Idempotency-Key the payment id is derived from it, so a retried create finds the same workflow. */
  const paymentIdFor = (c: Context<AuthEnv>) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    const caller = c.get('caller');
    return key ? derivedId('payment', caller.role, caller.sub, key) : newId();
  };

  async function createPayment(c: Context<AuthEnv>, body: z.infer<typeof DraftPaymentBody>, mode: 'immediate' | 'draft') {
    const amount = parseAmount(body.amount, body.currency);
    // A draft moves no money yet, so the ledger's rules are checked here before it exists.
    await checkMovement(deps.sql, body);
    const payment = await commands.create({
      paymentId: paymentIdFor(c),
      debitAccountId: body.debitAccountId,
      creditAccountId: body.creditAccountId,
      amountMinor: amount.toString(),
      currency: body.currency,
      description: body.description ?? null,
      reference: body.reference ?? null,
      mode,
      holdExpiresAt: body.holdExpiresAt ? new Date(body.holdExpiresAt).toISOString() : null,
    });
    return view(payment);
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/internal/Payments',
      tags: ['Payments'],
      summary: 'Create a payment with a single transaction: the money moves at once',
      security,
      request: { headers: IdempotencyHeader, ...jsonBody(CreatePaymentBody) },
      responses: responses(201, PaymentSchema, 'Posted payment', [404, 409, 422, 503]),
    }),
    async (c) => c.json(success(await createPayment(c, c.req.valid('json'), 'immediate')), 201),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/internal/Payments/draft',
      tags: ['Payments'],
      summary: 'Create a payment in Draft: no money moves',
      security,
      request: { headers: IdempotencyHeader, ...jsonBody(DraftPaymentBody) },
      responses: responses(201, PaymentSchema, 'Draft payment', [404, 409, 422, 503]),
    }),
    async (c) => c.json(success(await createPayment(c, c.req.valid('json'), 'draft')), 201),
  );

  const actionRoute = (action: 'pend' | 'post' | 'cancel', summary: string, body?: z.ZodTypeAny) =>
    createRoute({
      method: 'post',
      path: `/internal/Payments/{paymentId}/${action}`,
      tags: ['Payments'],
      summary,
      security,
      request: { params: PaymentIdParam, headers: IdempotencyHeader, ...(body ? jsonBody(body, false) : {}) },
      responses: responses(200, PaymentSchema, 'The payment after the action (unchanged if it was already there)', [404, 409, 422, 503]),
    });

  router.openapi(actionRoute('pend', 'Hold the funds: Draft -> Pending', PendBody), async (c) => {
    const body = await optionalBody(c, PendBody);
    const payment = await commands.act(c.req.valid('param').paymentId, 'pend', {
      holdExpiresAt: body.holdExpiresAt ? new Date(body.holdExpiresAt).toISOString() : null,
    });
    return c.json(success(await view(payment)), 200);
  });

  router.openapi(actionRoute('post', 'Withdraw the held funds and deposit them: Pending -> Posted'), async (c) => {
    const payment = await commands.act(c.req.valid('param').paymentId, 'post');
    return c.json(success(await view(payment)), 200);
  });

  router.openapi(actionRoute('cancel', 'Cancel, releasing a hold (the payback): Draft/Pending -> Cancelled', CancelBody), async (c) => {
    const body = await optionalBody(c, CancelBody);
    const payment = await commands.act(c.req.valid('param').paymentId, 'cancel', { reason: body.reason ?? null });
    return c.json(success(await view(payment)), 200);
  });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/internal/Payments/{paymentId}',
      tags: ['Payments'],
      summary: 'One payment with its transactions',
      security,
      request: { params: PaymentIdParam },
      responses: responses(200, PaymentSchema, 'The payment', [404]),
    }),
    async (c) => {
      const { paymentId } = c.req.valid('param');
      const payment = await getPayment(deps.sql, paymentId);
      if (!payment) throw new NotFoundError('payment', paymentId);
      return c.json(success(await view(payment)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/internal/Payments',
      tags: ['Payments'],
      summary: 'Payments, newest first',
      security,
      request: {
        query: z.object({
          status: z.enum(PaymentStatus).optional(),
          accountId: Uuid.optional(),
          from: TimestampIn.optional(),
          to: TimestampIn.optional(),
          ...PageQuery,
        }),
      },
      responses: responses(200, pageOf(PaymentSchema), 'A page of payments'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = toPageRequest(q.limit, q.cursor);
      const rows = await listPayments(
        deps.sql,
        { status: q.status, accountId: q.accountId, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
        page,
      );
      const { items, nextCursor } = toPage(rows, page.limit, (row) => row);
      return c.json(success({ items: await Promise.all(items.map(view)), nextCursor }), 200);
    },
  );

  return router;
}
