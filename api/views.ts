import { formatAmount } from '../domain/money';
import { type AccountRow, balancesOf } from '../ledger/accounts';
import type { JournalEntry } from '../ledger/types';
import type { ClientRow } from '../store/clients';
import type { PaymentRow } from '../store/payments';

/** Rows to JSON: money as decimal strings in the currency's precision, times as ISO strings. */

export function accountView(a: AccountRow) {
  const b = balancesOf(a);
  const money = (minor: bigint) => formatAmount(minor, a.currency);
  return {
    id: a.id,
    accountNumber: a.accountNumber,
    iban: a.iban,
    clientId: a.clientId,
    currency: a.currency,
    kind: a.kind,
    purpose: a.purpose,
    name: a.name,
    status: a.status,
    displayOrder: a.displayOrder,
    overdraftLimit: money(a.overdraftLimit),
    balance: money(b.balance),
    held: money(b.held),
    incoming: money(b.incoming),
    available: money(b.available),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export function transactionView(e: JournalEntry) {
  return {
    id: e.id,
    debitAccountId: e.debitAccountId,
    creditAccountId: e.creditAccountId,
    amount: formatAmount(e.amount, e.currency),
    currency: e.currency,
    type: e.kind,
    pendingId: e.pendingId,
    paymentId: e.paymentId,
    transferId: e.transferId,
    description: e.description,
    reversalOf: e.reversalOf ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}

export function paymentView(p: PaymentRow, transactions: JournalEntry[]) {
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
    reversedAmount: formatAmount(p.reversedAmount ?? 0n, p.currency),
    transactions: transactions.map(transactionView),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function clientView(c: ClientRow) {
  return {
    id: c.id,
    type: c.type,
    firstName: c.firstName,
    lastName: c.lastName,
    companyName: c.companyName,
    email: c.email,
    phone: c.phone,
    country: c.country,
    externalId: c.externalId,
    status: c.status,
    statusReason: c.statusReason,
    blockReason: c.status === 'blocked' ? c.statusReason : null,
    limits: c.limits,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
