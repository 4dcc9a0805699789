import type { PageRequest } from '../domain/paging';
import type { PaymentStatus } from '../domain/payment';
import { type Queryable, whereAll } from '../ledger/db';

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
  createdAt: Date;
  updatedAt: Date;
}

export type NewPayment = Pick<
  PaymentRow,
  'id' | 'debitAccountId' | 'creditAccountId' | 'amount' | 'currency' | 'description' | 'reference' | 'status'
> & {
  holdExpiresAt: Date | null;
};

/** Inserts the payment once; a repeated insert (an activity retry) changes nothing. */
export async function insertPayment(sql: Queryable, payment: NewPayment): Promise<void> {
  await sql`
    INSERT INTO payments (id, debit_account_id, credit_account_id, amount, currency, description, reference, status, hold_expires_at)
    VALUES (${payment.id}, ${payment.debitAccountId}, ${payment.creditAccountId}, ${payment.amount}, ${payment.currency},
            ${payment.description}, ${payment.reference}, ${payment.status}, ${payment.holdExpiresAt})
    ON CONFLICT (id) DO NOTHING`;
}

export interface StatusChange {
  status: PaymentStatus;
  holdExpiresAt?: Date | null;
  cancelReason?: string | null;
}

export async function setPaymentStatus(sql: Queryable, id: string, change: StatusChange): Promise<void> {
  await sql`
    UPDATE payments SET
      status = ${change.status},
      hold_expires_at = ${change.holdExpiresAt === undefined ? sql`hold_expires_at` : sql`${change.holdExpiresAt}`},
      cancel_reason = ${change.cancelReason === undefined ? sql`cancel_reason` : sql`${change.cancelReason}`},
      updated_at = now()
    WHERE id = ${id}`;
}

export async function getPayment(sql: Queryable, id: string): Promise<PaymentRow | undefined> {
  const [row] = await sql<[PaymentRow?]>`SELECT * FROM payments WHERE id = ${id}`;
  return row;
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
