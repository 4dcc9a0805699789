import { z } from '@hono/zod-openapi';
import { senderView } from '../../domain/accountReference';
import { FxStatus } from '../../domain/fx';
import { formatAmount } from '../../domain/money';
import { IncomingStatus, OutgoingStatus, TransferType } from '../../domain/transfer';
import { returned, type TransferRow } from '../../store/transfers';
import type { TransferDetails } from '../../usecases/transfers';
import { AmountOut, FreeObject, PageQuery, Timestamp, TimestampIn, Uuid } from '../schemas';

/** Schemas and views shared by the front-office, system and ops transfer routes. */

// Named once and reused (an inline enum is named <Model><Field> by generators, which would collide).
export const TransferStatusSchema = z
  .enum([...new Set([...OutgoingStatus, ...IncomingStatus, ...FxStatus])] as [string, ...string[]])
  .openapi('TransferStatus');
export const TransferTypeSchema = z.enum(TransferType).openapi('TransferType');
export const TransferDirectionSchema = z.enum(['outgoing', 'incoming', 'fx']).openapi('TransferDirection');

export const TransferSchema = z
  .object({
    id: Uuid,
    direction: TransferDirectionSchema,
    type: TransferTypeSchema,
    status: TransferStatusSchema,
    clientId: Uuid.nullable(),
    accountId: Uuid.nullable(),
    recipientId: Uuid.nullable(),
    recipient: FreeObject().nullable(),
    sender: z
      .object({ name: z.string().nullable(), iban: z.string().nullable(), accountNumber: z.string().nullable() })
      .nullable()
      .openapi({
        description:
          "Incoming transfers: who sent the money, by name and masked IBAN or account number (country, check digits and the last four characters); never the payer's ids",
      }),
    amount: AmountOut,
    currency: z.string(),
    fee: AmountOut,
    reference: z.string().nullable(),
    providerReference: z.string().nullable(),
    confirmationId: Uuid.nullable(),
    failureReason: z.string().nullable(),
    relatedTransferId: Uuid.nullable(),
    // Outgoing transfers only: a Completed transfer the beneficiary's bank sent back (Returned).
    returnReason: z.string().nullable().optional().openapi({ description: 'Outgoing: why it came back (null until Returned)' }),
    returnedAmount: AmountOut.nullable().optional().openapi({ description: 'Outgoing: the amount that came back (null until Returned)' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    // FX transfers only: the locked quote (amount and currency are its sell side).
    sellAmount: AmountOut.optional(),
    sellCurrency: z.string().optional(),
    buyAmount: AmountOut.optional(),
    buyCurrency: z.string().optional(),
    rate: z
      .string()
      .optional()
      .openapi({ description: 'Units of the buy currency per one unit of the sell currency', example: '1.079575' }),
    quoteExpiresAt: Timestamp.optional(),
    targetAccountId: Uuid.optional(),
  })
  .openapi('Transfer');

export const TransferDetailsSchema = TransferSchema.extend({
  workflowId: z.string(),
  audit: z.array(z.object({ action: z.string(), actor: z.string(), note: z.string().nullable(), createdAt: Timestamp })),
  history: z.object({ status: z.string(), historyLength: z.number().int() }).nullable(),
}).openapi('TransferDetails');

export const TransferParam = z.object({ transferId: Uuid });

/** Filters every transfer list takes (a client's own, or the system's). */
export const TransferListQuery = {
  direction: TransferDirectionSchema.optional(),
  type: TransferTypeSchema.optional(),
  status: TransferStatusSchema.optional(),
  accountId: Uuid.optional(),
  from: TimestampIn.optional(),
  to: TimestampIn.optional(),
  ...PageQuery,
};

export const transferView = (t: TransferRow) => ({
  id: t.id,
  direction: t.direction,
  type: t.type,
  status: t.status,
  clientId: t.clientId,
  accountId: t.accountId,
  recipientId: t.recipientId,
  recipient: t.recipient,
  sender: senderView(t.sender),
  amount: formatAmount(t.amount, t.currency),
  currency: t.currency,
  fee: formatAmount(t.fee, t.currency),
  reference: t.reference,
  providerReference: t.providerReference,
  confirmationId: t.confirmationId,
  failureReason: t.failureReason,
  relatedTransferId: t.relatedTransferId,
  ...returned(t),
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  ...fxView(t),
});

/** The quote of an FX transfer; nothing for the other directions. */
function fxView(t: TransferRow) {
  if (t.direction !== 'fx' || t.sellAmount === null || t.buyAmount === null || !t.sellCurrency || !t.buyCurrency) return {};
  return {
    sellAmount: formatAmount(t.sellAmount, t.sellCurrency),
    sellCurrency: t.sellCurrency,
    buyAmount: formatAmount(t.buyAmount, t.buyCurrency),
    buyCurrency: t.buyCurrency,
    rate: t.rate ?? undefined,
    quoteExpiresAt: t.quoteExpiresAt?.toISOString(),
    targetAccountId: t.targetAccountId ?? undefined,
  };
}

export const transferDetailsView = (d: TransferDetails) => ({
  ...transferView(d.transfer),
  workflowId: d.workflowId,
  audit: d.audit.map((a) => ({ action: a.action, actor: a.actor, note: a.note, createdAt: a.createdAt.toISOString() })),
  history: d.history,
});
