import { senderView } from '../domain/accountReference';
import { type Caller, createdByOf } from '../domain/caller';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { statusEventType } from '../domain/events';
import { formatAmount } from '../domain/money';
import type { PageRequest } from '../domain/paging';
import { planTransferAction, type TransferDirection, type TransferStatus, type TransferType } from '../domain/transfer';
import { atomically, type Queryable, type TransactionSql, whereAll } from '../ledger/db';
import { recordEvent } from '../ledger/events';

/** The transfer read model: written by activities, read by the API. */
export interface TransferRow {
  id: string;
  seq: bigint;
  clientId: string | null;
  direction: TransferDirection;
  type: TransferType;
  status: TransferStatus;
  accountId: string | null;
  recipientId: string | null;
  recipient: Record<string, unknown> | null;
  sender: Record<string, unknown> | null;
  amount: bigint;
  currency: string;
  fee: bigint;
  reference: string | null;
  providerReference: string | null;
  confirmationId: string | null;
  failureReason: string | null;
  relatedTransferId: string | null;
  /** The token that started it; null for transfers from before it was recorded. */
  createdByRole: Caller['role'] | null;
  createdBySub: string | null;
  /** A Completed outgoing transfer sent back by the beneficiary's bank: why, how much, the provider's reference of the return. */
  returnReason?: string | null;
  returnedAmount?: bigint | null;
  returnProviderReference?: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** FX only (null otherwise): the locked quote; `amount`/`currency` are the sell side. */
  sellAmount: bigint | null;
  sellCurrency: string | null;
  buyAmount: bigint | null;
  buyCurrency: string | null;
  rate: string | null;
  quoteExpiresAt: Date | null;
  targetAccountId: string | null;
}

type FxColumns = 'sellAmount' | 'sellCurrency' | 'buyAmount' | 'buyCurrency' | 'rate' | 'quoteExpiresAt' | 'targetAccountId';

export type NewTransfer = Omit<TransferRow, 'seq' | 'createdAt' | 'updatedAt' | 'createdByRole' | 'createdBySub' | FxColumns> &
  Partial<Pick<TransferRow, FxColumns>> & { createdBy?: Caller | null };

/** Inserts the transfer once, with its `transfer.<status>` event; a repeat changes and records nothing. */
export async function insertTransfer(sql: Queryable, t: NewTransfer): Promise<void> {
  await atomically(sql, async (tx) => {
    const [row] = await tx<[TransferRow?]>`
    INSERT INTO transfers (id, client_id, direction, type, status, account_id, recipient_id, recipient, sender, amount, currency, fee,
                           reference, provider_reference, confirmation_id, failure_reason, related_transfer_id,
                           sell_amount, sell_currency, buy_amount, buy_currency, rate, quote_expires_at, target_account_id,
                           created_by_role, created_by_sub)
    VALUES (${t.id}, ${t.clientId}, ${t.direction}, ${t.type}, ${t.status}, ${t.accountId}, ${t.recipientId},
            ${t.recipient === null ? null : sql.json(t.recipient as never)}, ${t.sender === null ? null : sql.json(t.sender as never)},
            ${t.amount}, ${t.currency}, ${t.fee}, ${t.reference}, ${t.providerReference}, ${t.confirmationId}, ${t.failureReason},
            ${t.relatedTransferId}, ${t.sellAmount ?? null}, ${t.sellCurrency ?? null}, ${t.buyAmount ?? null}, ${t.buyCurrency ?? null},
            ${t.rate ?? null}, ${t.quoteExpiresAt ?? null}, ${t.targetAccountId ?? null},
            ${t.createdBy?.role ?? null}, ${t.createdBy?.sub ?? null})
    ON CONFLICT (id) DO NOTHING
    RETURNING *`;
    if (row) await recordTransferEvent(tx, row);
  });
}

/** The transfer as the API shows it (every transfer route), FX quote included. */
export function transferView(t: TransferRow) {
  return {
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
    createdBy: createdByOf(t),
    ...returned(t),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    ...fxView(t),
  };
}

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

/** The return fields, on outgoing transfers only (the API's transfer and its events alike). */
export function returned(t: TransferRow) {
  if (t.direction !== 'outgoing') return {};
  return {
    returnReason: t.returnReason ?? null,
    returnedAmount: t.returnedAmount == null ? null : formatAmount(t.returnedAmount, t.currency),
  };
}

/**
 * The transfer as its events show it: the API's, without the confirmation it waits for (the
 * bank's own bookkeeping) and the quote's expiry (the event tells what happened, not a deadline).
 */
export function transferEventView(t: TransferRow) {
  const {
    confirmationId: _confirmation,
    quoteExpiresAt: _expiry,
    ...data
  } = transferView(t) as ReturnType<typeof transferView> & {
    quoteExpiresAt?: string;
  };
  return data;
}

/**
 * Marks a Completed outgoing transfer Returned, in the transaction of the return's entries, with
 * its `transfer.returned` event. Throws the business error when it is not Completed any more (a
 * return under another provider reference came first) or the amount is above the transfer's.
 */
export async function markReturned(
  tx: TransactionSql,
  id: string,
  change: { amount: bigint; reason: string; providerReference: string },
): Promise<{ before: TransferRow; after: TransferRow }> {
  const [before] = await tx<[TransferRow?]>`SELECT * FROM transfers WHERE id = ${id} AND direction = 'outgoing' FOR UPDATE`;
  if (!before) throw new NotFoundError('transfer', id);
  planTransferAction(before.status, 'returned');
  if (change.amount > before.amount) {
    throw new DomainError(ErrorCode.VALIDATION_ERROR, 'the returned amount is above the transfer amount', { field: 'amount' });
  }
  const [after] = await tx<[TransferRow]>`
    UPDATE transfers SET status = 'Returned', return_reason = ${change.reason}, returned_amount = ${change.amount},
      return_provider_reference = ${change.providerReference}, updated_at = now()
    WHERE id = ${id}
    RETURNING *`;
  await recordTransferEvent(tx, after);
  return { before, after };
}

function recordTransferEvent(tx: TransactionSql, row: TransferRow) {
  return recordEvent(tx, {
    type: statusEventType('transfer', row.status),
    aggregateType: 'transfer',
    aggregateId: row.id,
    clientId: row.clientId,
    data: transferEventView(row),
  });
}

export interface TransferChange {
  status: TransferStatus;
  providerReference?: string | null;
  failureReason?: string | null;
  confirmationId?: string | null;
  clientId?: string | null;
  accountId?: string | null;
}

/**
 * Changes the transfer; when its status is a new one, the `transfer.<status>` event is written in
 * the same transaction (a repeat with the status already set records none).
 */
export async function updateTransfer(sql: Queryable, id: string, change: TransferChange): Promise<void> {
  await atomically(sql, async (tx) => {
    const keep = (value: unknown, column: string) => (value === undefined ? tx(column) : tx`${value as string | null}`);
    const update = (onlyIfNew: boolean) => tx<[TransferRow?]>`
      UPDATE transfers SET
        status = ${change.status},
        provider_reference = ${keep(change.providerReference, 'provider_reference')},
        failure_reason = ${keep(change.failureReason, 'failure_reason')},
        confirmation_id = ${keep(change.confirmationId, 'confirmation_id')},
        client_id = ${keep(change.clientId, 'client_id')},
        account_id = ${keep(change.accountId, 'account_id')},
        updated_at = now()
      WHERE id = ${id} ${onlyIfNew ? tx`AND status <> ${change.status}` : tx``}
      RETURNING *`;
    // As setPaymentStatus: the status test in the WHERE is re-checked on the latest row under a race.
    const [changed] = await update(true);
    if (changed) await recordTransferEvent(tx, changed);
    else await update(false);
  });
}

export async function getTransfer(sql: Queryable, id: string): Promise<TransferRow | undefined> {
  const [row] = await sql<[TransferRow?]>`SELECT * FROM transfers WHERE id = ${id}`;
  return row;
}

export async function getTransferByConfirmation(sql: Queryable, confirmationId: string): Promise<TransferRow | undefined> {
  const [row] = await sql<[TransferRow?]>`SELECT * FROM transfers WHERE confirmation_id = ${confirmationId}`;
  return row;
}

export interface TransferFilter {
  clientId?: string;
  direction?: TransferDirection;
  type?: TransferType;
  status?: TransferStatus;
  accountId?: string;
  from?: Date;
  to?: Date;
}

/** Transfers newest first, limit + 1 rows (see toPage). */
export async function listTransfers(sql: Queryable, filter: TransferFilter, page: PageRequest): Promise<TransferRow[]> {
  const where = whereAll(sql, [
    filter.clientId !== undefined ? sql`client_id = ${filter.clientId}` : null,
    filter.direction !== undefined ? sql`direction = ${filter.direction}` : null,
    filter.type !== undefined ? sql`type = ${filter.type}` : null,
    filter.status !== undefined ? sql`status = ${filter.status}` : null,
    filter.accountId !== undefined ? sql`account_id = ${filter.accountId}` : null,
    filter.from !== undefined ? sql`created_at >= ${filter.from}` : null,
    filter.to !== undefined ? sql`created_at < ${filter.to}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<TransferRow[]>`SELECT * FROM transfers WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}

export interface AuditEntry {
  action: string;
  actor: string;
  note: string | null;
  createdAt: Date;
}

export async function addAudit(sql: Queryable, transferId: string, stepKey: string, entry: Omit<AuditEntry, 'createdAt'>): Promise<void> {
  await sql`
    INSERT INTO transfer_audit (transfer_id, step_key, action, actor, note)
    VALUES (${transferId}, ${stepKey}, ${entry.action}, ${entry.actor}, ${entry.note})
    ON CONFLICT (step_key) DO NOTHING`;
}

export async function auditOf(sql: Queryable, transferId: string): Promise<AuditEntry[]> {
  return sql<AuditEntry[]>`SELECT action, actor, note, created_at FROM transfer_audit WHERE transfer_id = ${transferId} ORDER BY id`;
}

/**
 * What the client sent out today (UTC) in a currency, outgoing and FX, not counting transfers that
 * were Cancelled, Failed or Expired: the `used` of the daily limit.
 */
export async function outgoingToday(sql: Queryable, clientId: string, currency: string): Promise<bigint> {
  const [row] = await sql<[{ total: bigint }]>`
    SELECT coalesce(sum(amount), 0)::bigint AS total FROM transfers
    WHERE client_id = ${clientId} AND currency = ${currency} AND direction IN ('outgoing', 'fx')
      AND status NOT IN ('Cancelled', 'Failed', 'Expired')
      AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  return row.total;
}
