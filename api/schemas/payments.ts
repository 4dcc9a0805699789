import { z } from '@hono/zod-openapi';
import { PaymentStatus } from '../../domain/payment';
import { AmountOut, CreatedBySchema, Timestamp, Uuid } from '../schemas';

/** A journal entry and a payment as the API shows them (api/views.ts builds them). */

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
    reversalOf: Uuid.nullable().openapi({ description: 'The entry this one reverses (a payment reversal), else null' }),
    createdAt: Timestamp,
  })
  .openapi('Transaction');

/** A payment's own fields: the API's payment adds its transactions, its events carry these alone. */
export const PaymentFields = {
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
  reversedAmount: AmountOut.openapi({ description: 'How much of a Posted payment was reversed; Reversed once all of it' }),
  createdBy: CreatedBySchema('The token that started it (null for payments from before it was recorded)'),
  note: z.string().nullable().openapi({ description: 'Why an ops user moved the money' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const PaymentSchema = z.object({ ...PaymentFields, transactions: z.array(TransactionSchema) }).openapi('Payment');
