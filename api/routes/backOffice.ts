import { createRoute, z } from '@hono/zod-openapi';
import { ApprovalStatus } from '../../domain/approval';
import { toPageRequest } from '../../domain/paging';
import type { ApprovalRow } from '../../store/approvals';
import type { Guarded } from '../../usecases/backOffice';
import { requireRole } from '../auth';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import { jsonBody, newRouter, optionalBody, type RouteDeps, responses, security } from '../router';
import { IdempotencyHeader, RequiredText, Text, text, Uuid } from '../schemas';
import { AmountIn } from '../schemas/amounts';
import { ApprovalSchema, approvalView } from '../schemas/approvals';
import { body } from '../schemas/bodyRules';
import { PageQuery, pageOf } from '../schemas/paging';
import { PaymentSchema } from '../schemas/payments';
import { TransferParam, TransferSchema, transferView } from '../schemas/transfers';
import { paymentView } from '../views';

/** Back office: reversals of payments, returns of outgoing transfers, and four-eyes approvals. */

const ReverseBody = body({
  reason: RequiredText.openapi({ description: 'Why, shown on the statement line of the reversal' }),
  note: Text.optional().openapi({ description: 'For the audit' }),
  amount: AmountIn.optional().openapi({ description: 'Default: what is left unreversed' }),
}).openapi('ReversePayment');
const RejectBody = body({ reason: RequiredText }).openapi('RejectApproval');
const ReturnedBody = body({
  providerReference: text(100, 1).openapi({ description: "The provider's reference of the return: a repeat with it answers the same" }),
  amount: AmountIn,
  reason: RequiredText,
}).openapi('ReturnedTransfer');
const ApprovalParam = z.object({ approvalId: Uuid });

const reverseRoute = createRoute({
  method: 'post',
  path: '/internal/Payments/{paymentId}/reverse',
  tags: ['Payments'],
  summary: 'Reverse a Posted payment, whole or in part: a new entry from its credit account back to its debit account (ops)',
  description:
    'At or above the approval threshold of its currency (APPROVAL_THRESHOLDS), answers 202 with an approval and changes nothing ' +
    'until another ops user approves. More than what is left: 422 VALIDATION_ERROR; not Posted: 422 INVALID_STATE_TRANSITION.',
  security,
  middleware: [requireRole('ops')] as const,
  request: { params: z.object({ paymentId: Uuid }), headers: IdempotencyHeader, ...jsonBody(ReverseBody) },
  responses: {
    ...responses(202, ApprovalSchema, 'Waiting for a second ops user'),
    ...responses(200, PaymentSchema, 'The payment with its reversal: Posted with reversedAmount, or Reversed', [404, 409, 422, 503]),
  },
});

const decisionRoute = (decision: 'approve' | 'reject') =>
  createRoute({
    method: 'post',
    path: `/internal/Approvals/{approvalId}/${decision}`,
    tags: ['Approvals'],
    summary:
      decision === 'approve'
        ? 'Approve: the action runs, exactly once (ops other than the requester; a repeat answers the same)'
        : 'Reject: nothing runs (ops other than the requester)',
    security,
    middleware: [requireRole('ops')] as const,
    request: { params: ApprovalParam, ...(decision === 'reject' ? jsonBody(RejectBody) : {}) },
    responses: responses(200, ApprovalSchema, 'The approval as decided', [403, 404, 409, 422, 503]),
  });
const approveRoute = decisionRoute('approve');
const rejectRoute = decisionRoute('reject');

const getRoute = createRoute({
  method: 'get',
  path: '/internal/Approvals/{approvalId}',
  tags: ['Approvals'],
  summary: 'One approval, with the result of its action once approved',
  security,
  request: { params: ApprovalParam },
  responses: responses(200, ApprovalSchema, 'The approval', [404]),
});

const listRoute = createRoute({
  method: 'get',
  path: '/internal/Approvals',
  tags: ['Approvals'],
  summary: 'Approvals, newest first',
  security,
  request: { query: z.object({ status: z.enum(ApprovalStatus).optional(), ...PageQuery }) },
  responses: responses(200, pageOf(ApprovalSchema), 'A page of approvals'),
});

const returnedRoute = createRoute({
  method: 'post',
  path: '/internal/Transfers/outgoing/{transferId}/returned',
  tags: ['Transfers (system)'],
  summary: "The provider reports that the beneficiary's bank sent a Completed transfer back (system); idempotent on providerReference",
  description:
    "The amount comes back from settlement to the client's account in an entry linked to the transfer; the transfer is Returned with " +
    'returnReason and returnedAmount. The fee stays with the bank unless RETURN_REFUNDS_FEE=true. Not Completed, or an amount above ' +
    "the transfer's: 422.",
  security,
  middleware: [requireRole('system')] as const,
  request: { params: TransferParam, ...jsonBody(ReturnedBody) },
  responses: responses(200, TransferSchema, 'The transfer, Returned', [404, 409, 422, 503]),
});

export function backOfficeRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const backOffice = useCases.backOffice;

  /** The approval with the payment its action created or reversed, when there is one. */
  const withPayment = async (row: ApprovalRow) => {
    const paymentId = (row.result as { paymentId?: string } | null)?.paymentId;
    const payment = paymentId ? await useCases.payments.get(paymentId).catch(() => undefined) : undefined;
    return approvalView(row, payment);
  };

  router.openapi(reverseRoute, async (c) => {
    const b = c.req.valid('json');
    // More than what is left is a rule no field's schema can say: 422 VALIDATION_ERROR.
    const outcome: Guarded = await businessRules(() =>
      backOffice.reverse(c.get('caller'), c.req.valid('param').paymentId, {
        amount: b.amount,
        reason: b.reason,
        note: b.note ?? null,
        idempotencyKey: c.req.header(IDEMPOTENCY_HEADER),
      }),
    );
    if ('pending' in outcome) return c.json(success(approvalView(outcome.pending)), 202);
    return c.json(success(paymentView(outcome.done.payment, outcome.done.entries)), 200);
  });

  router.openapi(approveRoute, async (c) => {
    const row = await backOffice.decide(c.get('caller'), c.req.valid('param').approvalId, 'approve', null);
    return c.json(success(await withPayment(row)), 200);
  });

  router.openapi(rejectRoute, async (c) => {
    const b = await optionalBody(c, RejectBody);
    const row = await backOffice.decide(c.get('caller'), c.req.valid('param').approvalId, 'reject', b.reason);
    return c.json(success(await withPayment(row)), 200);
  });

  router.openapi(getRoute, async (c) => c.json(success(await withPayment(await backOffice.get(c.req.valid('param').approvalId))), 200));

  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await backOffice.list({ status: q.status }, toPageRequest(q.limit, q.cursor));
    return c.json(success({ items: page.items.map((row) => approvalView(row)), nextCursor: page.nextCursor }), 200);
  });

  router.openapi(returnedRoute, async (c) => {
    const b = c.req.valid('json');
    // An amount above the transfer's is a rule against the transfer: 422 VALIDATION_ERROR.
    const transfer = await businessRules(() => backOffice.returned(c.get('caller'), c.req.valid('param').transferId, b));
    return c.json(success(transferView(transfer)), 200);
  });

  return router;
}
