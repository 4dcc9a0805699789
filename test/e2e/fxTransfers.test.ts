import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../ledger/checks';
import { token } from '../support/api';
import { balances, internalAccount, lastCode, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

// Known rates (per 1 EUR) and a 1% spread, so every quote below is checked to the minor unit.
const QUOTE_TTL_MS = 8_000;
const api = useTestApi({
  fx: { quoteTtlMs: QUOTE_TTL_MS, spread: '0.01', base: 'EUR', rates: { EUR: '1', USD: '1.08', JPY: '160', BHD: '0.4' } },
  documents: { threshold: '500.00' },
});

/** A client with a funded account in `sell` and an empty one in `buy`, and its token. */
async function customer(sell: string, funding: string, buy: string) {
  const source = await openAccount(api(), sell, funding);
  const target = await api().post('/v2/internal/Accounts', { clientId: source.clientId, currency: buy, purpose: 'current', name: buy });
  expect(target.status, JSON.stringify(target.body)).toBe(201);
  const as = { token: await token('client', source.clientId) };
  return { clientId: source.clientId, source: source.id, target: target.body.value.id as string, as };
}

type Customer = Awaited<ReturnType<typeof customer>>;

const fx = (c: Customer, amount: { sellAmount?: string; buyAmount?: string }) =>
  api().post('/Transfers/fx', { sourceAccountId: c.source, targetAccountId: c.target, ...amount }, c.as);

async function entriesOf(transferId: string) {
  const res = await api().get(`/internal/Transactions?transferId=${transferId}&limit=50`);
  return res.body.value.items as { type: string; debitAccountId: string; creditAccountId: string; amount: string; currency: string }[];
}

async function waitForStatus(id: string, wanted: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api().get(`/internal/Transfers/fx/${id}`);
    if (res.body.value.status === wanted || Date.now() > deadline) return res.body.value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('FX transfers over HTTP with the real worker', () => {
  it('happy path: quote locked, sell amount held, code confirms, both legs through fx_position', async () => {
    const c = await customer('EUR', '200.00', 'USD');
    const created = await fx(c, { sellAmount: '100.00' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const t = created.body.value;
    expect(t).toMatchObject({
      direction: 'fx',
      type: 'Fx',
      status: 'PendingConfirmation',
      sellAmount: '100.00',
      sellCurrency: 'EUR',
      buyAmount: '106.92', // 1.08 less 1%: 1.0692
      buyCurrency: 'USD',
      rate: '1.0692',
      amount: '100.00',
      currency: 'EUR',
      accountId: c.source,
      targetAccountId: c.target,
    });
    expect(t.confirmationId).toBeTruthy();
    const ttl = Date.parse(t.quoteExpiresAt) - Date.parse(t.createdAt);
    expect(ttl).toBeGreaterThan(QUOTE_TTL_MS - 2_000);
    expect(ttl).toBeLessThanOrEqual(QUOTE_TTL_MS + 1_000);
    expect(await balances(api(), c.source)).toMatchObject({ balance: '200.00', held: '100.00', available: '100.00' });

    const confirmed = await api().put(`/Transfers/fx/${t.id}/confirm`, { code: await lastCode(api(), c.clientId) }, c.as);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.value.status).toBe('Completed');
    expect(await balances(api(), c.source)).toMatchObject({ balance: '100.00', held: '0.00', available: '100.00' });
    expect(await balances(api(), c.target)).toMatchObject({ balance: '106.92', available: '106.92' });

    const eurPosition = await internalAccount(api(), 'EUR', 'fx_position');
    const usdPosition = await internalAccount(api(), 'USD', 'fx_position');
    const entries = await entriesOf(t.id);
    const moves = entries.map((e) => [e.type, e.debitAccountId, e.creditAccountId, e.amount, e.currency]);
    expect(moves).toEqual(
      expect.arrayContaining([
        ['pending', c.source, eurPosition.id, '100.00', 'EUR'],
        ['posted', usdPosition.id, c.target, '106.92', 'USD'],
      ]),
    );
    expect(entries.filter((e) => e.type === 'post_pending')).toHaveLength(1);
    expect(entries).toHaveLength(3);
    const report = await checkInvariants(api().sql);
    expect(report.unbalancedCurrencies).toEqual([]);

    // The client reads it; the system lists it and sees its workflow.
    expect((await api().get(`/Transfers/fx/${t.id}`, c.as)).body.value.status).toBe('Completed');
    const listed = await api().get(`/internal/Transfers/fx?clientId=${c.clientId}`);
    expect(listed.body.value.items.map((i: { id: string }) => i.id)).toEqual([t.id]);
    const details = await api().get(`/internal/Transfers/fx/${t.id}`);
    expect(details.body.value).toMatchObject({ workflowId: `transfer-${t.id}`, status: 'Completed' });
    expect((await api().get(`/internal/Transfers/outgoing/${t.id}`)).status).toBe(404);
    // A repeated confirm is 200 with the same code only.
    expect((await api().put(`/Transfers/fx/${t.id}/confirm`, { code: await lastCode(api(), c.clientId) }, c.as)).status).toBe(200);
  });

  it.each([
    // sell -> buy, what is given, the quote: rate, sell, buy (sell amounts rounded up, buy amounts down)
    ['EUR', 'USD', { sellAmount: '10.05' }, '1.0692', '10.05', '10.74'], // 10.745460
    ['EUR', 'USD', { buyAmount: '100.00' }, '1.0692', '93.53', '100.00'], // 93.5279...
    ['EUR', 'JPY', { sellAmount: '10.01' }, '158.4', '10.01', '1585'], // 1585.584
    ['JPY', 'BHD', { sellAmount: '1000' }, '0.002475', '1000', '2.475'],
    ['JPY', 'BHD', { buyAmount: '1.000' }, '0.002475', '405', '1.000'], // 404.04...
    ['USD', 'BHD', { sellAmount: '10.00' }, '0.3666666666', '10.00', '3.666'], // 3.666666666
  ])('quotes %s -> %s from %j exactly', async (sell, buy, amount, rate, sellAmount, buyAmount) => {
    const c = await customer(sell, sell === 'JPY' ? '100000' : '1000.00', buy);
    const created = await fx(c, amount);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.value).toMatchObject({ rate, sellAmount, buyAmount, sellCurrency: sell, buyCurrency: buy });
    expect((await balances(api(), c.source)).held).toBe(sellAmount);
    const cancelled = await api().request('DELETE', `/Transfers/fx/${created.body.value.id}`, undefined, c.as);
    expect(cancelled.status).toBe(200);
  });

  it('an unconfirmed quote expires by its timer: Expired, hold released, confirming is QUOTE_EXPIRED', async () => {
    const c = await customer('EUR', '50.00', 'USD');
    const t = (await fx(c, { sellAmount: '20.00' })).body.value;
    const code = await lastCode(api(), c.clientId);
    const expired = await waitForStatus(t.id, 'Expired', QUOTE_TTL_MS + 20_000);
    expect(expired.status).toBe('Expired');
    expect(await balances(api(), c.source)).toMatchObject({ balance: '50.00', held: '0.00', available: '50.00' });
    const late = await api().put(`/Transfers/fx/${t.id}/confirm`, { code }, c.as);
    expect(late.status).toBe(422);
    expect(late.body.errors[0].metadata.code).toBe('QUOTE_EXPIRED');
    expect(await balances(api(), c.target)).toMatchObject({ balance: '0.00' });
  }, 60_000);

  it('cancel releases the hold; a repeat is 200; confirming a cancelled one is 422', async () => {
    const c = await customer('EUR', '50.00', 'JPY');
    const t = (await fx(c, { buyAmount: '1000' })).body.value;
    expect(t.sellAmount).toBe('6.32'); // 1000 / 158.4 = 6.313...
    const cancelled = await api().request('DELETE', `/Transfers/fx/${t.id}`, undefined, c.as);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.value.status).toBe('Cancelled');
    expect(await balances(api(), c.source)).toMatchObject({ balance: '50.00', held: '0.00' });
    expect((await api().request('DELETE', `/Transfers/fx/${t.id}`, undefined, c.as)).status).toBe(200);
    const confirm = await api().put(`/Transfers/fx/${t.id}/confirm`, { code: await lastCode(api(), c.clientId) }, c.as);
    expect(confirm.status).toBe(422);
    expect(confirm.body.errors[0].metadata.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('a wrong code is OTP_INVALID and costs an attempt; the right one still completes it', async () => {
    const c = await customer('USD', '30.00', 'BHD');
    const t = (await fx(c, { sellAmount: '10.00' })).body.value;
    const code = await lastCode(api(), c.clientId);
    const wrong = await api().put(`/Transfers/fx/${t.id}/confirm`, { code: code === '000000' ? '111111' : '000000' }, c.as);
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].metadata.code).toBe('OTP_INVALID');
    expect((await api().get(`/Confirmations/${t.confirmationId}`, c.as)).body.value).toMatchObject({ attemptsLeft: 4 });
    expect((await api().get(`/Transfers/fx/${t.id}`, c.as)).body.value.status).toBe('PendingConfirmation');
    const ok = await api().put(`/Transfers/fx/${t.id}/confirm`, { code }, c.as);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(await balances(api(), c.target)).toMatchObject({ balance: '3.666' });
  });

  it('refuses the same currency, another client’s account, both amounts, and more than the balance', async () => {
    const c = await customer('EUR', '10.00', 'USD');
    const second = await api().post('/v2/internal/Accounts', { clientId: c.clientId, currency: 'EUR', purpose: 'savings', name: 'S' });
    const same = await api().post(
      '/Transfers/fx',
      { sourceAccountId: c.source, targetAccountId: second.body.value.id, sellAmount: '1' },
      c.as,
    );
    expect(same.status).toBe(422);
    expect(same.body.errors[0].metadata.code).toBe('CURRENCY_MISMATCH');

    const other = await customer('USD', '10.00', 'JPY');
    const foreign = await api().post('/Transfers/fx', { sourceAccountId: c.source, targetAccountId: other.target, sellAmount: '1' }, c.as);
    expect(foreign.status).toBe(404);
    const foreignSource = await api().post(
      '/Transfers/fx',
      { sourceAccountId: other.source, targetAccountId: c.target, sellAmount: '1' },
      c.as,
    );
    expect(foreignSource.status).toBe(404);
    // Another client cannot see, confirm or cancel it either.
    const mine = (await fx(c, { sellAmount: '1.00' })).body.value;
    expect((await api().get(`/Transfers/fx/${mine.id}`, other.as)).status).toBe(404);
    expect((await api().put(`/Transfers/fx/${mine.id}/confirm`, { code: '123456' }, other.as)).status).toBe(404);
    expect((await api().request('DELETE', `/Transfers/fx/${mine.id}`, undefined, other.as)).status).toBe(404);
    await api().request('DELETE', `/Transfers/fx/${mine.id}`, undefined, c.as);

    const both = await fx(c, { sellAmount: '1.00', buyAmount: '1.00' });
    expect(both.status).toBe(400);
    const tooMuch = await fx(c, { sellAmount: '10.01' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors[0].metadata.code).toBe('INSUFFICIENT_FUNDS');
    const tooSmall = await api().post(
      '/Transfers/fx',
      { sourceAccountId: other.target, targetAccountId: other.source, sellAmount: '1' },
      other.as,
    );
    expect(tooSmall.status).toBe(422); // 1 JPY buys less than a cent: a rule of the rate, not of the schema
  });
});
