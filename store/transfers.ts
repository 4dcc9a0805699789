import type { PageRequest } from '../domain/paging';
import type { TransferDirection, TransferStatus, TransferType } from '../domain/transfer';
import { type Queryable, whereAll } from '../ledger/db';

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

export type NewTransfer = Omit<TransferRow, 'seq' | 'createdAt' | 'updatedAt' | FxColumns> & Partial<Pick<TransferRow, FxColumns>>;

export async function insertTransfer(sql: Queryable, t: NewTransfer): Promise<void> {
  await sql`
    INSERT INTO transfers (id, client_id, direction, type, status, account_id, recipient_id, recipient, sender, amount, currency, fee,
                           reference, provider_reference, confirmation_id, failure_reason, related_transfer_id,
                           sell_amount, sell_currency, buy_amount, buy_currency, rate, quote_expires_at, target_account_id)
    VALUES (${t.id}, ${t.clientId}, ${t.direction}, ${t.type}, ${t.status}, ${t.accountId}, ${t.recipientId},
            ${t.recipient === null ? null : sql.json(t.recipient as never)}, ${t.sender === null ? null : sql.json(t.sender as never)},
            ${t.amount}, ${t.currency}, ${t.fee}, ${t.reference}, ${t.providerReference}, ${t.confirmationId}, ${t.failureReason},
            ${t.relatedTransferId}, ${t.sellAmount ?? null}, ${t.sellCurrency ?? null}, ${t.buyAmount ?? null}, ${t.buyCurrency ?? null},
            ${t.rate ?? null}, ${t.quoteExpiresAt ?? null}, ${t.targetAccountId ?? null})
    ON CONFLICT (id) DO NOTHING`;
}

export interface TransferChange {
  status: TransferStatus;
  providerReference?: string | null;
  failureReason?: string | null;
  confirmationId?: string | null;
  clientId?: string | null;
  accountId?: string | null;
}

export async function updateTransfer(sql: Queryable, id: string, change: TransferChange): Promise<void> {
  const keep = (value: unknown, column: string) => (value === undefined ? sql(column) : sql`${value as string | null}`);
  await sql`
    UPDATE transfers SET
      status = ${change.status},
      provider_reference = ${keep(change.providerReference, 'provider_reference')},
      failure_reason = ${keep(change.failureReason, 'failure_reason')},
      confirmation_id = ${keep(change.confirmationId, 'confirmation_id')},
      client_id = ${keep(change.clientId, 'client_id')},
      account_id = ${keep(change.accountId, 'account_id')},
      updated_at = now()
    WHERE id = ${id}`;
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
