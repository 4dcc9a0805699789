import { randomUUID } from 'node:crypto';
import { newId } from '../../domain/ids';
import { type AccountRow, createAccount, getAccount, getInternalAccount } from '../../ledger/accounts';
import type { Sql } from '../../ledger/db';
import { recordEntry } from '../../ledger/journal';
import { insertClient } from '../../store/clients';

/** A fresh client with one current account in `currency`, funded from the settlement account. */
export async function fundedAccount(sql: Sql, currency: string, fundedMinor: bigint): Promise<AccountRow> {
  const { client } = await insertClient(sql, {
    id: newId(),
    type: 'individual',
    firstName: 'Ada',
    lastName: 'Lovelace',
    companyName: null,
    email: `ada-${randomUUID()}@example.com`,
    phone: null,
    country: 'GB',
    externalId: null,
  });
  const account = await createAccount(sql, {
    id: newId(),
    clientId: client.id,
    currency,
    kind: 'client',
    purpose: 'current',
    name: 'Current',
  });
  if (fundedMinor > 0n) await fund(sql, account, fundedMinor);
  return (await getAccount(sql, account.id)) as AccountRow;
}

/** Money in from outside: the settlement account (which may go negative) credits the account. */
export async function fund(sql: Sql, account: AccountRow, amountMinor: bigint): Promise<void> {
  const settlement = await getInternalAccount(sql, account.currency, 'settlement');
  if (!settlement) throw new Error(`no settlement account in ${account.currency}`);
  await recordEntry(sql, {
    kind: 'posted',
    id: newId(),
    debitAccountId: settlement.id,
    creditAccountId: account.id,
    amount: amountMinor,
    currency: account.currency,
    description: 'test funding',
  });
}

export async function reload(sql: Sql, account: { id: string }): Promise<AccountRow> {
  return (await getAccount(sql, account.id)) as AccountRow;
}
