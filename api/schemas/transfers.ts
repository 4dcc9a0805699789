import { z } from '@hono/zod-openapi';
import { FxStatus } from '../../domain/fx';
import { IncomingStatus, OutgoingStatus, type TransferDirection, TransferType } from '../../domain/transfer';
import { transferView } from '../../store/transfers';
import type { TransferDetails } from '../../usecases/transfers';
import { AmountOut, CreatedBySchema, FreeObject, Timestamp, Uuid } from '../schemas';
import { TimestampIn } from './dates';
import { PageQuery } from './paging';

/** Schemas and views shared by the front-office, system and ops transfer routes. */

// Named once and reused (an inline enum is named <Model><Field> by generators, which would collide).
export const TransferStatusSchema = z
  .enum([...new Set([...OutgoingStatus, ...IncomingStatus, ...FxStatus])] as [string, ...string[]])
  .openapi('TransferStatus');
export const TransferTypeSchema = z.enum(TransferType).openapi('TransferType');
export const TransferDirectionSchema = z.enum(['outgoing', 'incoming', 'fx']).openapi('TransferDirection');

/** What every transfer has, whatever its direction. */
const TransferFields = {
  id: Uuid,
  type: TransferTypeSchema,
  status: TransferStatusSchema,
  clientId: Uuid.nullable(),
  accountId: Uuid.nullable(),
  recipientId: Uuid.nullable(),
  recipient: FreeObject().nullable(),
  sender: z.object({ name: z.string().nullable(), iban: z.string().nullable(), accountNumber: z.string().nullable() }).nullable().openapi({
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
  createdBy: CreatedBySchema('The token that started it (null for transfers from before it was recorded)'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

/** FX transfers only: the locked quote (amount and currency are its sell side). */
const FxFields = {
  sellAmount: AmountOut.optional(),
  sellCurrency: z.string().optional(),
  buyAmount: AmountOut.optional(),
  buyCurrency: z.string().optional(),
  rate: z.string().optional().openapi({ description: 'Units of the buy currency per one unit of the sell currency', example: '1.079575' }),
  quoteExpiresAt: Timestamp.optional(),
  targetAccountId: Uuid.optional(),
};

const DetailsFields = {
  workflowId: z.string(),
  audit: z.array(z.object({ action: z.string(), actor: z.string(), note: z.string().nullable(), createdAt: Timestamp })),
  history: z.object({ status: z.string(), historyLength: z.number().int() }).nullable(),
};

// A one-value enum, not a literal: every generator of check:clients reads `enum` (not all read `const`).
const direction = <D extends TransferDirection>(d: D) => z.enum([d]);

/**
 * A transfer is one of three shapes, told apart by `direction` (oneOf with a discriminator): the
 * FX fields live on FxTransfer only. Generated clients get a union (Python, TypeScript) or a type
 * with As<Variant>() accessors (Go) instead of one flat type whose FX fields are mostly absent.
 */
/** Outgoing transfers only: a Completed transfer the beneficiary's bank sent back (Returned). */
const ReturnFields = {
  returnReason: z.string().nullable().optional().openapi({ description: 'Why it came back (null until Returned)' }),
  returnedAmount: AmountOut.nullable().optional().openapi({ description: 'The amount that came back (null until Returned)' }),
};

const OutgoingTransferSchema = z
  .object({ direction: direction('outgoing'), ...TransferFields, ...ReturnFields })
  .openapi('OutgoingTransfer');
const IncomingTransferSchema = z.object({ direction: direction('incoming'), ...TransferFields }).openapi('IncomingTransfer');
const FxTransferSchema = z.object({ direction: direction('fx'), ...TransferFields, ...FxFields }).openapi('FxTransfer');
export const TransferSchema = z
  .discriminatedUnion('direction', [OutgoingTransferSchema, IncomingTransferSchema, FxTransferSchema])
  .openapi('Transfer');

export const TransferDetailsSchema = z
  .discriminatedUnion('direction', [
    OutgoingTransferSchema.extend(DetailsFields).openapi('OutgoingTransferDetails'),
    IncomingTransferSchema.extend(DetailsFields).openapi('IncomingTransferDetails'),
    FxTransferSchema.extend(DetailsFields).openapi('FxTransferDetails'),
  ])
  .openapi('TransferDetails');

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

/** The transfer's one view, shared with its events (store/transfers.ts). */
export { transferView };

export const transferDetailsView = (d: TransferDetails) => ({
  ...transferView(d.transfer),
  workflowId: d.workflowId,
  audit: d.audit.map((a) => ({ action: a.action, actor: a.actor, note: a.note, createdAt: a.createdAt.toISOString() })),
  history: d.history,
});
