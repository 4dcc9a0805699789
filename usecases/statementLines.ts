import { senderView } from '../domain/accountReference';
import type { JournalEntry } from '../ledger/types';
import type { LineAccount, LineContext, LinePayment, LineTransfer } from '../store/statementContext';

/**
 * What a statement line tells the account holder: what happened, with whom (the other party as the
 * holder knows it: a transfer's recipient or sender, the other client account of a payment, the
 * holder's own other account for an exchange; never one of the bank's internal accounts), the
 * reference and, for an exchange, the rate.
 *
 * A line that moves money against the direction of the payment or transfer it is linked to (a
 * payment's credit account paying its debit account back, money coming back to the sender of an
 * outgoing transfer) is a reversal or a return of it, and says so. That rule reads only the link
 * and the direction, so it holds for whatever entry books the reversal or the return.
 */

export interface Counterparty {
  name: string | null;
  iban?: string;
  accountNumber?: string;
}

export interface LineStory {
  description: string;
  counterparty: Counterparty | null;
  reference: string | null;
  rate: string | null;
}

const asText = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** A party by name and IBAN, or account number when it has no IBAN. */
function party(name: string | null, iban: string | null, accountNumber: string | null): Counterparty {
  if (iban) return { name, iban };
  if (accountNumber) return { name, accountNumber };
  return { name };
}

const accountParty = (a: LineAccount): Counterparty => party(a.holderName ?? a.name, a.iban, a.accountNumber);
const ownAccountParty = (a: LineAccount): Counterparty => party(a.name, a.iban, a.accountNumber);

function transferStory(entry: JournalEntry, isDebit: boolean, t: LineTransfer, ctx: LineContext): LineStory {
  const base = { reference: t.reference, rate: null };
  if (t.direction === 'fx') {
    const pair = `${t.sellCurrency ?? '?'} to ${t.buyCurrency ?? '?'}`;
    // The sell side leaves the source account for the target, the buy side arrives from the source.
    const other = ctx.accounts.get((isDebit ? t.targetAccountId : t.accountId) ?? '');
    return {
      ...base,
      description: `Exchange ${pair} at ${t.rate ?? '?'}`,
      counterparty: other ? ownAccountParty(other) : null,
      rate: t.rate,
    };
  }
  if (t.direction === 'incoming') {
    const seen = senderView(t.sender);
    const counterparty = seen ? party(seen.name, seen.iban, seen.accountNumber) : null;
    const from = seen?.name ? ` from ${seen.name}` : '';
    return { ...base, counterparty, description: isDebit ? `Return of the transfer${from}` : `Transfer${from}` };
  }
  const recipient = t.recipient ?? {};
  const name = asText(recipient.name);
  const counterparty = party(name, asText(recipient.iban), asText(recipient.accountNumber));
  const to = name ? ` to ${name}` : '';
  const other = ctx.accounts.get(isDebit ? entry.creditAccountId : entry.debitAccountId);
  if (other?.purpose === 'fee_income') {
    // The bank's fee: its other side is the bank itself, not a party of the holder's.
    return { ...base, counterparty: null, description: isDebit ? `Fee for the transfer${to}` : `Fee refunded for the transfer${to}` };
  }
  if (!isDebit) {
    const reason = t.returnReason ?? t.failureReason;
    const why = reason ? `: ${reason}` : '';
    return { ...base, counterparty, description: `Returned: the transfer${to}${why}` };
  }
  return { ...base, counterparty, description: `Transfer${to}` };
}

function paymentStory(entry: JournalEntry, isDebit: boolean, p: LinePayment, ctx: LineContext): LineStory {
  const other = ctx.accounts.get(isDebit ? entry.creditAccountId : entry.debitAccountId);
  const counterparty = other?.kind === 'client' ? accountParty(other) : null;
  const what = p.description ?? p.note ?? entry.description;
  const reversed = entry.debitAccountId === p.creditAccountId && entry.creditAccountId === p.debitAccountId;
  const label = reversed ? 'Reversal of the payment' : isDebit ? 'Payment' : 'Payment received';
  const withWhom = counterparty?.name ? ` ${isDebit === !reversed ? 'to' : 'from'} ${counterparty.name}` : '';
  return {
    description: `${label}${withWhom}${what ? `: ${what}` : ''}`,
    counterparty,
    reference: p.reference,
    rate: null,
  };
}

/** The line's story; an entry linked to nothing keeps its own description (never an empty one). */
export function lineStory(accountId: string, entry: JournalEntry, ctx: LineContext): LineStory {
  const isDebit = entry.debitAccountId === accountId;
  const transfer = entry.transferId ? ctx.transfers.get(entry.transferId) : undefined;
  if (transfer) return transferStory(entry, isDebit, transfer, ctx);
  const payment = entry.paymentId ? ctx.payments.get(entry.paymentId) : undefined;
  if (payment) return paymentStory(entry, isDebit, payment, ctx);
  return { description: entry.description || (isDebit ? 'Debit' : 'Credit'), counterparty: null, reference: null, rate: null };
}

/** The ids a batch of lines needs looked up. */
export function idsOfLines(accountId: string, entries: JournalEntry[]) {
  const paymentIds = new Set<string>();
  const transferIds = new Set<string>();
  const accountIds = new Set<string>();
  for (const e of entries) {
    if (e.paymentId) paymentIds.add(e.paymentId);
    if (e.transferId) transferIds.add(e.transferId);
    accountIds.add(e.debitAccountId === accountId ? e.creditAccountId : e.debitAccountId);
  }
  return { paymentIds: [...paymentIds], transferIds: [...transferIds], accountIds: [...accountIds] };
}
