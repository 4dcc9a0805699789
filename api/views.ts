import { formatAmount } from '../domain/money';
import { type AccountRow, accountSummaryView, balancesOf } from '../ledger/accounts';
import type { JournalEntry } from '../ledger/types';
import { type ClientRow, clientSummaryView } from '../store/clients';
import { type PaymentRow, paymentSummaryView } from '../store/payments';

/**
 * Rows to JSON: money as decimal strings in the currency's precision, times as ISO strings. Each
 * resource's fields that its events carry too come from its one summary view (next to its row);
 * the API adds what events leave out.
 */

export function accountView(a: AccountRow) {
  const b = balancesOf(a);
  const money = (minor: bigint) => formatAmount(minor, a.currency);
  return {
    ...accountSummaryView(a),
    displayOrder: a.displayOrder,
    overdraftLimit: money(a.overdraftLimit),
    balance: money(b.balance),
    held: money(b.held),
    incoming: money(b.incoming),
    available: money(b.available),
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
  return { ...paymentSummaryView(p), transactions: transactions.map(transactionView) };
}

export function clientView(c: ClientRow) {
  return { ...clientSummaryView(c), blockReason: c.status === 'blocked' ? c.statusReason : null, limits: c.limits };
}
