import { z } from '@hono/zod-openapi';
import { ApprovalActionType, ApprovalStatus } from '../../domain/approval';
import { formatAmount } from '../../domain/money';
import type { ApprovalRow } from '../../store/approvals';
import type { PaymentWithEntries } from '../../usecases/payments';
import { Timestamp, Uuid } from '../schemas';
import { paymentView } from '../views';
import { PaymentSchema } from './payments';

/** A four-eyes approval as the API shows it (the 202 of a guarded action, and the Approvals routes). */

// Inline, not a component: a nullable reference becomes an allOf that client generators refuse.
const Actor = () => z.object({ role: z.enum(['client', 'system', 'ops']), sub: z.string() });

export const ApprovalSchema = z
  .object({
    approvalId: Uuid,
    status: z.enum(ApprovalStatus),
    action: z.enum(ApprovalActionType),
    requestedBy: Actor(),
    request: z.record(z.string(), z.unknown()).openapi({ description: 'What runs once approved (amounts as decimal strings)' }),
    decidedBy: Actor().nullable(),
    decidedAt: Timestamp.nullable(),
    rejectReason: z.string().nullable(),
    result: z
      .object({
        paymentId: Uuid,
        payment: PaymentSchema.optional(),
        error: z.object({ code: z.string(), message: z.string() }).nullable(),
      })
      .nullable()
      .openapi({ description: 'Once approved and run: the payment created or reversed, or why the action was refused' }),
    expiresAt: Timestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Approval');

/** Amounts of an approval's request as decimal strings of its currency. */
function requestView(row: ApprovalRow) {
  const { amountMinor, actor: _actor, ...rest } = row.request as { amountMinor?: string; currency?: string; actor?: unknown };
  const currency = (row.request as { currency?: string }).currency;
  return amountMinor !== undefined && currency ? { ...rest, amount: formatAmount(BigInt(amountMinor), currency) } : rest;
}

export function approvalView(row: ApprovalRow, payment?: PaymentWithEntries) {
  const result = row.result as { paymentId?: string; error?: { code: string; message: string } } | null;
  return {
    approvalId: row.id,
    status: row.status,
    action: row.action,
    requestedBy: { role: row.requestedByRole, sub: row.requestedBySub },
    request: requestView(row),
    decidedBy: row.decidedByRole && row.decidedBySub ? { role: row.decidedByRole, sub: row.decidedBySub } : null,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    rejectReason: row.rejectReason,
    result:
      result?.paymentId === undefined
        ? null
        : {
            paymentId: result.paymentId,
            ...(payment ? { payment: paymentView(payment.payment, payment.entries) } : {}),
            error: result.error ? { code: result.error.code, message: result.error.message } : null,
          },
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
