import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApi } from './api';

/** Creates a client and a current account over HTTP; funds it from the settlement account. */
export async function openAccount(api: TestApi, currency: string, funding?: string) {
  const client = await api.post('/internal/Clients', {
    type: 'individual',
    firstName: 'Grace',
    lastName: 'Hopper',
    email: `grace-${randomUUID()}@example.com`,
    country: 'US',
  });
  expect(client.status, JSON.stringify(client.body)).toBe(201);
  const account = await api.post('/v2/internal/Accounts', {
    clientId: client.body.value.id,
    currency,
    purpose: 'current',
    name: 'Current',
  });
  expect(account.status, JSON.stringify(account.body)).toBe(201);
  if (funding) {
    const settlement = await internalAccount(api, currency, 'settlement');
    const payment = await api.post('/internal/Payments', {
      debitAccountId: settlement.id,
      creditAccountId: account.body.value.id,
      amount: funding,
      currency,
      description: 'funding',
    });
    expect(payment.status, JSON.stringify(payment.body)).toBe(201);
  }
  return { clientId: client.body.value.id as string, id: account.body.value.id as string };
}

export async function internalAccount(api: TestApi, currency: string, purpose: string) {
  const found = await api.post('/v2/ledger/internal/Accounts/search', { kind: 'internal', currency, purpose });
  expect(found.status).toBe(200);
  return found.body.value.items[0] as { id: string };
}

export async function balances(api: TestApi, accountId: string) {
  const res = await api.get(`/v2/ledger/internal/Accounts/${accountId}`);
  expect(res.status).toBe(200);
  const { balance, held, incoming, available } = res.body.value;
  return { balance, held, incoming, available } as Record<'balance' | 'held' | 'incoming' | 'available', string>;
}

/** The last one-time code the notifier sent to the client (notices without a code are passed over). */
export async function lastCode(api: TestApi, clientId: string): Promise<string> {
  const res = await api.get(`/internal/Notifications?clientId=${clientId}&limit=5`);
  for (const item of res.body.value.items as { body: string }[]) {
    const code = /code is (\d{6})/.exec(item.body)?.[1];
    if (code) return code;
  }
  throw new Error(`no code was sent to client ${clientId}`);
}
