import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { balances, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

// Transfers started by this API expire if not confirmed within 1.5 s.
const api = useTestApi({ confirmationWindowMs: 1_500 });

describe('transfer lists and expiry', () => {
  it('cancels an unconfirmed transfer by itself when its confirmation window passes', async () => {
    const account = await openAccount(api(), 'EUR', '20.00');
    const as = { token: await token('client', account.clientId) };
    const body = {
      accountId: account.id,
      amount: '5.00',
      currency: 'EUR',
      recipient: { name: 'X', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
    };
    const created = await api().post('/Transfers/outgoing', body, as);
    expect(created.status).toBe(201);
    // It starts out waiting for the code (the poll below would not run at all otherwise, and a
    // transfer created Cancelled would pass for one that expired).
    expect(created.body.value.status).toBe('PendingConfirmation');
    expect(await balances(api(), account.id)).toMatchObject({ available: '14.50' });
    let status = created.body.value.status;
    for (let i = 0; i < 60 && status === 'PendingConfirmation'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await api().get(`/Transfers/${created.body.value.id}`, as)).body.value.status;
    }
    const transfer = (await api().get(`/Transfers/${created.body.value.id}`, as)).body.value;
    expect(transfer).toMatchObject({ status: 'Cancelled', failureReason: 'not confirmed in time' });
    expect(await balances(api(), account.id)).toMatchObject({ balance: '20.00', held: '0.00', available: '20.00' });
  });

  it('lists all transfers for the system with filters and cursor paging', async () => {
    const account = await openAccount(api(), 'EUR', '20.00');
    const as = { token: await token('client', account.clientId) };
    const body = {
      accountId: account.id,
      amount: '1.00',
      currency: 'EUR',
      recipient: { name: 'X', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
    };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api().post('/Transfers/outgoing', body, as)).body.value.id);
    const first = await api().get(`/internal/Transfers?clientId=${account.clientId}&limit=2`);
    expect(first.body.value.items.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);
    const second = await api().get(`/internal/Transfers?clientId=${account.clientId}&limit=2&cursor=${first.body.value.nextCursor}`);
    expect(second.body.value.items.map((t: { id: string }) => t.id)).toEqual([ids[0]]);
    const outgoing = await api().get(`/internal/Transfers/outgoing?clientId=${account.clientId}&status=PendingConfirmation&type=Sepa`);
    expect(outgoing.body.value.items).toHaveLength(3);
    expect((await api().get(`/internal/Transfers/incoming?clientId=${account.clientId}`)).body.value.items).toEqual([]);
    expect((await api().get(`/Transfers?accountId=${account.id}&direction=outgoing`, as)).body.value.items).toHaveLength(3);
  });
});
