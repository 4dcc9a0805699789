import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { toPageRequest } from '../../domain/paging';
import { type PaymentAction, PaymentStatus } from '../../domain/payment';
import type { PaymentWithEntries } from '../../usecases/payments';
import type { AuthEnv } from '../auth';
import { success } from '../envelope';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import { jsonBody, newRouter, optionalBody, type RouteDeps, responses, security } from '../router';
import { Currency, IdempotencyHeader, Text, Uuid } from '../schemas';
import { AmountIn, toMinor } from '../schemas/amounts';
import { ApprovalSchema, approvalView } from '../schemas/approvals';
import { body } from '../schemas/bodyRules';
import { TimestampIn } from '../schemas/dates';
import { PageQuery, pageOf } from '../schemas/paging';
import { PaymentSchema } from '../schemas/payments';
import { paymentView } from '../views';

const paymentFields = {
  debitAccountId: Uuid,
  creditAccountId: Uuid,
  amount: AmountIn,
  currency: Currency,
  description: Text.optional(),
  reference: Text.optional(),
  note: Text.optional().openapi({
    description: 'Why the money moves: required with an ops token (400 VALIDATION_ERROR without), stored, shown and audited',
  }),
};

const CreatePaymentBody = body(paymentFields).openapi('CreatePayment');

const DraftPaymentBody = body({
  ...paymentFields,
  holdExpiresAt: TimestampIn.optional().openapi({ description: 'When a hold taken by pend expires (default: 7 days after pend)' }),
}).openapi('CreateDraftPayment');

const PendBody = body({ holdExpiresAt: TimestampIn.optional() }).openapi('PendPayment');
const CancelBody = body({ reason: Text.optional() }).openapi('CancelPayment');
const PaymentIdParam = z.object({ paymentId: Uuid });

const createRouteFor = (path: string, summary: string, schema: typeof CreatePaymentBody | typeof DraftPaymentBody, description: string) =>
  createRoute({
    method: 'post',
    path,
    tags: ['Payments'],
    summary,
    security,
    request: { headers: IdempotencyHeader, ...jsonBody(schema) },
    responses: responses(201, PaymentSchema, description, [404, 409, 422, 503]),
  });

const createImmediateRoute = createRoute({
  method: 'post',
  path: '/internal/Payments',
  tags: ['Payments'],
  summary: 'Create a payment with a single transaction: the money moves at once',
  description:
    'With an ops token, a payment that debits a client account at or above the approval threshold of its currency ' +
    '(APPROVAL_THRESHOLDS) answers 202 with an approval and moves nothing until another ops user approves it.',
  security,
  request: { headers: IdempotencyHeader, ...jsonBody(CreatePaymentBody) },
  responses: {
    ...responses(202, ApprovalSchema, 'Waiting for a second ops user'),
    ...responses(201, PaymentSchema, 'Posted payment', [404, 409, 422, 503]),
  },
});
const createDraftRoute = createRouteFor(
  '/internal/Payments/draft',
  'Create a payment in Draft: no money moves',
  DraftPaymentBody,
  'Draft payment',
);

const actionRoute = (action: PaymentAction, summary: string, schema?: z.ZodTypeAny, description?: string) =>
  createRoute({
    method: 'post',
    path: `/internal/Payments/{paymentId}/${action}`,
    tags: ['Payments'],
    summary,
    ...(description ? { description } : {}),
    security,
    request: { params: PaymentIdParam, headers: IdempotencyHeader, ...(schema ? jsonBody(schema, false) : {}) },
    responses: responses(
      200,
      PaymentSchema,
      'The payment as the action left it; a lost race is 422 with the status that won',
      [404, 409, 422, 503],
    ),
  });

const pendRoute = actionRoute('pend', 'Hold the funds: Draft -> Pending', PendBody);
const postRoute = actionRoute(
  'post',
  'Withdraw the held funds and deposit them: Pending -> Posted',
  undefined,
  'Refused while the debit account or its client is blocked (422 ACCOUNT_NOT_ACTIVE / CLIENT_BLOCKED): nothing changes and the hold ' +
    'stays until a post after the unblock, a cancel, or the hold expires.',
);
const cancelRoute = actionRoute('cancel', 'Cancel, releasing a hold (the payback): Draft/Pending -> Cancelled', CancelBody);

const getRoute = createRoute({
  method: 'get',
  path: '/internal/Payments/{paymentId}',
  tags: ['Payments'],
  summary: 'One payment with its transactions',
  security,
  request: { params: PaymentIdParam },
  responses: responses(200, PaymentSchema, 'The payment', [404]),
});

const listRoute = createRoute({
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
});

const view = ({ payment, entries }: PaymentWithEntries) => paymentView(payment, entries);

export function paymentRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const payments = useCases.payments;

  const create = async (c: Context<AuthEnv>, body: z.infer<typeof DraftPaymentBody>, mode: 'immediate' | 'draft') =>
    payments.create(c.get('caller'), mode, {
      debitAccountId: body.debitAccountId,
      creditAccountId: body.creditAccountId,
      amountMinor: await toMinor(body.amount, body.currency),
      currency: body.currency,
      description: body.description ?? null,
      reference: body.reference ?? null,
      holdExpiresAt: body.holdExpiresAt ? new Date(body.holdExpiresAt) : null,
      idempotencyKey: c.req.header(IDEMPOTENCY_HEADER),
      note: body.note ?? null,
    });

  router.openapi(createImmediateRoute, async (c) => {
    const b = c.req.valid('json');
    const request = {
      debitAccountId: b.debitAccountId,
      creditAccountId: b.creditAccountId,
      amountMinor: await toMinor(b.amount, b.currency),
      currency: b.currency,
      description: b.description ?? null,
      reference: b.reference ?? null,
      holdExpiresAt: null,
      idempotencyKey: c.req.header(IDEMPOTENCY_HEADER),
      note: b.note ?? null,
    };
    const approval = await useCases.backOffice.approvalForPayment(c.get('caller'), request);
    if (approval) return c.json(success(approvalView(approval)), 202);
    return c.json(success(view(await payments.create(c.get('caller'), 'immediate', request))), 201);
  });
  router.openapi(createDraftRoute, async (c) => c.json(success(view(await create(c, c.req.valid('json'), 'draft'))), 201));

  router.openapi(pendRoute, async (c) => {
    const body = await optionalBody(c, PendBody);
    const holdExpiresAt = body.holdExpiresAt ? new Date(body.holdExpiresAt).toISOString() : null;
    return c.json(success(view(await payments.act(c.get('caller'), c.req.valid('param').paymentId, 'pend', { holdExpiresAt }))), 200);
  });

  router.openapi(postRoute, async (c) =>
    c.json(success(view(await payments.act(c.get('caller'), c.req.valid('param').paymentId, 'post'))), 200),
  );

  router.openapi(cancelRoute, async (c) => {
    const body = await optionalBody(c, CancelBody);
    return c.json(
      success(view(await payments.act(c.get('caller'), c.req.valid('param').paymentId, 'cancel', { reason: body.reason ?? null }))),
      200,
    );
  });

  router.openapi(getRoute, async (c) => c.json(success(view(await payments.get(c.req.valid('param').paymentId))), 200));

  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await payments.list(
      { status: q.status, accountId: q.accountId, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      toPageRequest(q.limit, q.cursor),
    );
    return c.json(success({ items: page.items.map(view), nextCursor: page.nextCursor }), 200);
  });

  return router;
}
