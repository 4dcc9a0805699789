import type { Queryable } from '../ledger/db';

/**
 * What a statement line needs beyond its journal entry to say what happened: the payment or
 * transfer it belongs to and the accounts on its other side. Read in one round trip per batch of
 * lines, so a streamed statement stays a constant number of queries per chunk.
 */

export interface LinePayment {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  description: string | null;
  reference: string | null;
  note: string | null;
}

export interface LineTransfer {
  id: string;
  direction: 'outgoing' | 'incoming' | 'fx';
  accountId: string | null;
  recipient: Record<string, unknown> | null;
  sender: Record<string, unknown> | null;
  reference: string | null;
  failureReason: string | null;
  /** Why the beneficiary's bank sent it back (Returned). */
  returnReason: string | null;
  sellCurrency: string | null;
  buyCurrency: string | null;
  rate: string | null;
  targetAccountId: string | null;
}

export interface LineAccount {
  id: string;
  kind: 'client' | 'internal';
  purpose: string;
  name: string;
  accountNumber: string;
  iban: string | null;
  /** The holder's name for a client account. */
  holderName: string | null;
}

export interface LineContext {
  payments: Map<string, LinePayment>;
  transfers: Map<string, LineTransfer>;
  accounts: Map<string, LineAccount>;
}

export async function lineContext(
  sql: Queryable,
  ids: { paymentIds: string[]; transferIds: string[]; accountIds: string[] },
): Promise<LineContext> {
  const [payments, transfers] = await Promise.all([
    ids.paymentIds.length === 0
      ? []
      : sql<LinePayment[]>`
          SELECT id, debit_account_id, credit_account_id, description, reference, note FROM payments WHERE id = ANY(${ids.paymentIds}::uuid[])`,
    ids.transferIds.length === 0
      ? []
      : sql<LineTransfer[]>`
          SELECT id, direction, account_id, recipient, sender, reference, failure_reason, return_reason, sell_currency, buy_currency, rate, target_account_id
          FROM transfers WHERE id = ANY(${ids.transferIds}::uuid[])`,
  ]);
  // An FX line's other side is the client's own other account: read it with the others.
  const accountIds = new Set(ids.accountIds);
  for (const t of transfers) {
    if (t.accountId) accountIds.add(t.accountId);
    if (t.targetAccountId) accountIds.add(t.targetAccountId);
  }
  const accounts =
    accountIds.size === 0
      ? []
      : await sql<LineAccount[]>`
          SELECT a.id, a.kind, a.purpose, a.name, a.account_number, a.iban,
                 coalesce(c.company_name, nullif(concat_ws(' ', c.first_name, c.last_name), '')) AS holder_name
          FROM accounts a LEFT JOIN clients c ON c.id = a.client_id
          WHERE a.id = ANY(${[...accountIds]}::uuid[])`;
  return {
    payments: new Map(payments.map((p) => [p.id, p])),
    transfers: new Map(transfers.map((t) => [t.id, t])),
    accounts: new Map(accounts.map((a) => [a.id, a])),
  };
}
