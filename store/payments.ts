import { type Caller, createdByOf } from '../domain/caller';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { statusEventType } from '../domain/events';
import { formatAmount } from '../domain/money';
import type { PageRequest } from '../domain/paging';
import type { PaymentStatus } from '../domain/payment';
import { atomically, type Queryable, type TransactionSql, whereAll } from '../ledger/db';
import { recordEvent } from '../ledger/events';
import type { JournalEntry } from '../ledger/types';
import { recordAudit } from './audit';

/** The payment read model: written by activities, read by the API. */
export interface PaymentRow {
  id: string;
  seq: bigint;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: string;
  description: string | null;
  reference: string | null;
  status: PaymentStatus;
  holdExpiresAt: Date | null;
  cancelReason: string | null;
  /** The token that started it; null for payments from before it was recorded. */
  createdByRole: Caller['role'] | null;
  createdBySub: string | null;
  /** Why an ops user moved the money by hand. */
  note: string | null;
  /** How much of a Posted payment was booked back so far (0 until a reversal). */
  reversedAmount: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export type NewPayment = Pick<
  PaymentRow,
  'id' | 'debitAccountId' | 'creditAccountId' | 'amount' | 'currency' | 'description' | 'reference' | 'status'
> & {
  holdExpiresAt: Date | null;
  createdBy?: Caller | null;
  note?: string | null;
};

/**
 * Inserts the payment once, with its `payment.<status>` event and (for a system or ops caller) its
 * audit record in the same transaction; a repeated insert (an activity retry) changes nothing and
 * records nothing.
 */
export async function insertPayment(sql: Queryable, payment: NewPayment): Promise<void> {
  await atomically(sql, async (tx) => {
    const [row] = await tx<[PaymentRow?]>`
      INSERT INTO payments (id, debit_account_id, credit_account_id, amount, currency, description, reference, status, hold_expires_at,
                            created_by_role, created_by_sub, note)
      VALUES (${payment.id}, ${payment.debitAccountId}, ${payment.creditAccountId}, ${payment.amount}, ${payment.currency},
              ${payment.description}, ${payment.reference}, ${payment.status}, ${payment.holdExpiresAt},
              ${payment.createdBy?.role ?? null}, ${payment.createdBy?.sub ?? null}, ${payment.note ?? null})
      ON CONFLICT (id) DO NOTHING
      RETURNING *`;
    if (!row) return;
    // Sent together (one round trip): a payment at once holds its accounts' row locks until commit.
    await Promise.all([
      recordPaymentEvent(tx, row),
      payment.createdBy
        ? recordAudit(tx, {
            actor: payment.createdBy,
            action: 'payment.created',
            resourceType: 'payment',
            resourceId: row.id,
            note: row.note,
            after: paymentSummaryView(row),
          })
        : undefined,
    ]);
  });
}

/**
 * The payment without its transactions: its events' `data`, and the API's payment (api/views.ts
 * adds the transactions). One view, so an event and a GET never disagree on a field.
 */
export function paymentSummaryView(p: PaymentRow) {
  return {
    id: p.id,
    debitAccountId: p.debitAccountId,
    creditAccountId: p.creditAccountId,
    amount: formatAmount(p.amount, p.currency),
    currency: p.currency,
    description: p.description,
    reference: p.reference,
    status: p.status,
    holdExpiresAt: p.holdExpiresAt?.toISOString() ?? null,
    cancelReason: p.cancelReason,
    createdBy: createdByOf(p),
    note: p.note,
    reversedAmount: formatAmount(p.reversedAmount ?? 0n, p.currency),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

function recordPaymentEvent(tx: TransactionSql, row: PaymentRow) {
  return recordEvent(tx, {
    type: statusEventType('payment', row.status),
    aggregateType: 'payment',
    aggregateId: row.id,
    clientId: { ofAccounts: [row.debitAccountId, row.creditAccountId] },
    data: paymentSummaryView(row),
  });
}

export interface StatusChange {
  status: PaymentStatus;
  holdExpiresAt?: Date | null;
  cancelReason?: string | null;
}

/**
 * Sets the status; when the status is a new one, the `payment.<status>` event is written in the
 * same transaction. A repeat (an activity retry: the status is already set) records no event.
 */
export async function setPaymentStatus(sql: Queryable, id: string, change: StatusChange): Promise<void> {
  await atomically(sql, async (tx) => {
    const update = (onlyIfNew: boolean) => tx<[PaymentRow?]>`
      UPDATE payments SET
        status = ${change.status},
        hold_expires_at = ${change.holdExpiresAt === undefined ? tx`hold_expires_at` : tx`${change.holdExpiresAt}`},
        cancel_reason = ${change.cancelReason === undefined ? tx`cancel_reason` : tx`${change.cancelReason}`},
        updated_at = now()
      WHERE id = ${id} ${onlyIfNew ? tx`AND status <> ${change.status}` : tx``}
      RETURNING *`;
    // The status test is in the UPDATE's WHERE, which a concurrent change makes Postgres re-check
    // on the latest row: exactly one of two racing writers of one status writes the event.
    const [changed] = await update(true);
    if (changed) await recordPaymentEvent(tx, changed);
    else await update(false);
  });
}

/** The reversal rules: only a Posted payment, and at most what is left unreversed (422 either way). */
export function requireReversible(payment: PaymentRow, amount: bigint): void {
  if (payment.status !== 'Posted') {
    throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `cannot reverse a payment that is ${payment.status}`, {
      from: payment.status,
      action: 'reverse',
    });
  }
  const left = payment.amount - payment.reversedAmount;
  if (amount > left) {
    throw new DomainError(ErrorCode.VALIDATION_ERROR, `only ${formatAmount(left, payment.currency)} of the payment is left to reverse`, {
      field: 'amount',
    });
  }
}

/**
 * Adds a reversal to a Posted payment, in the transaction of the reversal's entry: never past the
 * amount (the guard is in the UPDATE, which Postgres re-checks on the latest row when two reversals
 * race), Reversed once all of it is back, with its `payment.reversed` event. Throws the business
 * error when the payment is no longer Posted or the amount is more than what is left.
 */
export async function addReversal(tx: TransactionSql, id: string, amount: bigint): Promise<{ before: PaymentRow; after: PaymentRow }> {
  const [before] = await tx<[PaymentRow?]>`SELECT * FROM payments WHERE id = ${id} FOR UPDATE`;
  if (!before) throw new NotFoundError('payment', id);
  requireReversible(before, amount);
  const [after] = await tx<[PaymentRow]>`
    UPDATE payments SET
      reversed_amount = reversed_amount + ${amount}::bigint,
      status = CASE WHEN reversed_amount + ${amount}::bigint = amount THEN 'Reversed' ELSE status END,
      updated_at = now()
    WHERE id = ${id}
    RETURNING *`;
  await recordEvent(tx, {
    type: 'payment.reversed',
    aggregateType: 'payment',
    aggregateId: id,
    clientId: { ofAccounts: [after.debitAccountId, after.creditAccountId] },
    data: paymentSummaryView(after),
  });
  return { before, after };
}

export async function getPayment(sql: Queryable, id: string): Promise<PaymentRow | undefined> {
  const [row] = await sql<[PaymentRow?]>`SELECT * FROM payments WHERE id = ${id}`;
  return row;
}

/** A payment with its journal entries, oldest first. */
export interface PaymentWithEntries {
  payment: PaymentRow;
  entries: JournalEntry[];
}

/** An entry as the JSON of getPaymentWithEntries carries it: bigints and the timestamp as Postgres's text. */
type EntryJson = Omit<JournalEntry, 'seq' | 'amount' | 'createdAt'> & { seq: string; amount: string; createdAt: string };

/**
 * The payment and its entries in one statement (the API's answer after every payment request).
 * The entries come as JSON; their bigints and timestamp as text, parsed as postgres.js parses
 * those columns, so the answer is the same as from two plain reads.
 */
export async function getPaymentWithEntries(sql: Queryable, id: string): Promise<PaymentWithEntries | undefined> {
  const [row] = await sql<[(PaymentRow & { entries: EntryJson[] })?]>`
    SELECT p.*, coalesce((
      SELECT jsonb_agg(to_jsonb(e) || jsonb_build_object('seq', e.seq::text, 'amount', e.amount::text, 'created_at', e.created_at::text)
                       ORDER BY e.seq)
      FROM journal_entries e WHERE e.payment_id = p.id), '[]'::jsonb) AS entries
    FROM payments p WHERE p.id = ${id}`;
  if (!row) return undefined;
  const { entries, ...payment } = row;
  return {
    payment,
    entries: entries.map((e) => ({ ...e, seq: BigInt(e.seq), amount: BigInt(e.amount), createdAt: new Date(e.createdAt) })),
  };
}

export interface PaymentFilter {
  status?: PaymentStatus;
  accountId?: string;
  from?: Date;
  to?: Date;
}

/** Payments newest first, limit + 1 rows (see toPage). */
export async function listPayments(sql: Queryable, filter: PaymentFilter, page: PageRequest): Promise<PaymentRow[]> {
  const where = whereAll(sql, [
    filter.status !== undefined ? sql`status = ${filter.status}` : null,
    filter.accountId !== undefined ? sql`(debit_account_id = ${filter.accountId} OR credit_account_id = ${filter.accountId})` : null,
    filter.from !== undefined ? sql`created_at >= ${filter.from}` : null,
    filter.to !== undefined ? sql`created_at < ${filter.to}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<PaymentRow[]>`SELECT * FROM payments WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}
