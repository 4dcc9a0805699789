import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { balances, lastCode, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

/**
 * Work created before the world changed underneath it (docs/api.md: blocks and closed
 * accounts, "No money is ever held by a finished or broken workflow"): a block
 * stops every step that lets money leave, a recipient that closed makes the transfer fail with
 * its holds released, and nothing is ever left held by a finished transfer or payment.
 */
const api = useTestApi({ fx: { quoteTtlMs: 60_000, spread: '0.01', base: 'EUR', rates: { EUR: '1', USD: '1.08' } } });

async function customer(funding?: string, currency = 'EUR') {
  const account = await openAccount(api(), currency, funding);
  const as = { token: await token('client', account.clientId) };
  const number = (await api().get(`/v2/ledger/internal/Accounts/${account.id}`)).body.value.accountNumber as string;
  return { ...account, as, number };
}
type Customer = Awaited<ReturnType<typeof customer>>;

const outgoing = (payer: Customer, body: Record<string, unknown>) =>
  api().post('/Transfers/outgoing', { accountId: payer.id, currency: 'EUR', ...body }, payer.as);
const confirm = (payer: Customer, id: string, code: string) => api().put(`/Transfers/outgoing/${id}/confirm`, { code }, payer.as);
const codeOf = (res: { body: { errors: { metadata: { code: string } }[] } }) => res.body.errors[0]?.metadata.code;

async function waitFor(path: string, wanted: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await api().get(path)).body.value;
    if (wanted.includes(value.status) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Closes an empty account the way its client does: a code, a token, DELETE. */
async function closeAccount(owner: Customer, accountId: string) {
  const sent = await api().post('/Accounts/send-otp', { operation: 'close', accountId }, owner.as);
  expect(sent.status, sent.text).toBe(201);
  const verified = await api().post(
    '/Accounts/otp-verification',
    { otpId: sent.body.value.otpId, code: await lastCode(api(), owner.clientId) },
    owner.as,
  );
  const closed = await api().request('DELETE', `/Accounts/${accountId}`, undefined, {
    ...owner.as,
    headers: { 'X-Otp-Token': verified.body.value.otpToken },
  });
  expect(closed.status, closed.text).toBe(200);
}

const blocks = [
  {
    what: 'the client',
    code: 'CLIENT_BLOCKED',
    block: (c: Customer) => `/internal/Clients/${c.clientId}`,
    body: { reason: 'fraud suspected' },
  },
  { what: 'the account', code: 'ACCOUNT_NOT_ACTIVE', block: (c: Customer) => `/internal/Accounts/${c.id}`, body: undefined },
] as const;

describe('a block stops work created before it; cancelling stays allowed', () => {
  for (const b of blocks) {
    it(`outgoing transfer: confirming after ${b.what} is blocked is 422 ${b.code}, the hold stays; after the unblock the same code confirms`, async () => {
      const payer = await customer('100.00');
      const created = await outgoing(payer, {
        amount: '40.00',
        recipient: { name: 'Ada', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      });
      expect(created.status, created.text).toBe(201);
      const id = created.body.value.id;
      const code = await lastCode(api(), payer.clientId);
      expect((await api().put(`${b.block(payer)}/block`, b.body)).status).toBe(200);

      const refused = await confirm(payer, id, code);
      expect(refused.status, refused.text).toBe(422);
      expect(codeOf(refused)).toBe(b.code);
      expect((await api().get(`/internal/Transfers/outgoing/${id}`)).body.value.status).toBe('PendingConfirmation');
      expect(await balances(api(), payer.id)).toMatchObject({ balance: '100.00', held: '40.50' });

      expect((await api().put(`${b.block(payer)}/unblock`)).status).toBe(200);
      const confirmed = await confirm(payer, id, code);
      expect(confirmed.status, confirmed.text).toBe(200);
      expect((await waitFor(`/internal/Transfers/outgoing/${id}`, ['Completed', 'Failed'])).status).toBe('Completed');
      expect(await balances(api(), payer.id)).toMatchObject({ balance: '59.50', held: '0.00' });
    });
  }

  it('outgoing transfer: a blocked client may still cancel, and the hold is paid back', async () => {
    const payer = await customer('100.00');
    const created = await outgoing(payer, {
      amount: '10.00',
      recipient: { name: 'Ada', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
    });
    await api().put(`/internal/Clients/${payer.clientId}/block`, { reason: 'fraud suspected' });
    const cancelled = await api().request('DELETE', `/Transfers/outgoing/${created.body.value.id}`, undefined, payer.as);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.value.status).toBe('Cancelled');
    expect(await balances(api(), payer.id)).toMatchObject({ balance: '100.00', held: '0.00', available: '100.00' });
  });

  for (const b of blocks) {
    it(`payment: posting after ${b.what} is blocked is 422 ${b.code}, the hold stays; cancel releases it`, async () => {
      const payer = await customer('50.00');
      const payee = await customer();
      const drafted = await api().post('/internal/Payments/draft', {
        debitAccountId: payer.id,
        creditAccountId: payee.id,
        amount: '20',
        currency: 'EUR',
      });
      const id = drafted.body.value.id;
      expect((await api().post(`/internal/Payments/${id}/pend`, {})).status).toBe(200);
      await api().put(`${b.block(payer)}/block`, b.body);

      const refused = await api().post(`/internal/Payments/${id}/post`, {});
      expect(refused.status, refused.text).toBe(422);
      expect(codeOf(refused)).toBe(b.code);
      expect((await api().get(`/internal/Payments/${id}`)).body.value.status).toBe('Pending');
      expect(await balances(api(), payer.id)).toMatchObject({ balance: '50.00', held: '20.00' });
      expect(await balances(api(), payee.id)).toMatchObject({ balance: '0.00' });

      const cancelled = await api().post(`/internal/Payments/${id}/cancel`, { reason: 'blocked' });
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(await balances(api(), payer.id)).toMatchObject({ balance: '50.00', held: '0.00' });
    });
  }

  it('payment: after the unblock the held payment posts', async () => {
    const payer = await customer('50.00');
    const payee = await customer();
    const drafted = await api().post('/internal/Payments/draft', {
      debitAccountId: payer.id,
      creditAccountId: payee.id,
      amount: '20',
      currency: 'EUR',
    });
    const id = drafted.body.value.id;
    await api().post(`/internal/Payments/${id}/pend`, {});
    await api().put(`/internal/Accounts/${payer.id}/block`);
    expect((await api().post(`/internal/Payments/${id}/post`, {})).status).toBe(422);
    await api().put(`/internal/Accounts/${payer.id}/unblock`);
    const posted = await api().post(`/internal/Payments/${id}/post`, {});
    expect(posted.status, posted.text).toBe(200);
    expect(posted.body.value.status).toBe('Posted');
    expect(await balances(api(), payee.id)).toMatchObject({ balance: '20.00' });
  });

  it('FX: confirming after the client is blocked is 422 CLIENT_BLOCKED, the hold stays; cancel releases it', async () => {
    const payer = await customer('100.00');
    const target = await api().post('/v2/internal/Accounts', {
      clientId: payer.clientId,
      currency: 'USD',
      purpose: 'current',
      name: 'USD',
    });
    const created = await api().post(
      '/Transfers/fx',
      { sourceAccountId: payer.id, targetAccountId: target.body.value.id, sellAmount: '30.00' },
      payer.as,
    );
    expect(created.status, created.text).toBe(201);
    const id = created.body.value.id;
    const code = await lastCode(api(), payer.clientId);
    await api().put(`/internal/Clients/${payer.clientId}/block`, { reason: 'fraud suspected' });
    const refused = await api().put(`/Transfers/fx/${id}/confirm`, { code }, payer.as);
    expect(refused.status, refused.text).toBe(422);
    expect(codeOf(refused)).toBe('CLIENT_BLOCKED');
    expect((await api().get(`/internal/Transfers/fx/${id}`)).body.value.status).toBe('PendingConfirmation');
    expect(await balances(api(), payer.id)).toMatchObject({ held: '30.00' });
    expect((await api().request('DELETE', `/Transfers/fx/${id}`, undefined, payer.as)).status).toBe(200);
    expect(await balances(api(), payer.id)).toMatchObject({ balance: '100.00', held: '0.00' });
  });
});

describe('a recipient account that cannot receive', () => {
  it('closed after the transfer was created: the transfer ends Failed with its holds released, nothing is frozen', async () => {
    const payer = await customer('100.00');
    const payee = await customer();
    const created = await outgoing(payer, {
      amount: '40.00',
      recipient: { name: 'Bo', accountNumber: payee.number, country: 'CH', currency: 'EUR' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.value.type).toBe('Internal');
    const id = created.body.value.id;
    await closeAccount(payee, payee.id);

    const confirmed = await confirm(payer, id, await lastCode(api(), payer.clientId));
    expect(confirmed.status, confirmed.text).toBe(200);
    const final = await waitFor(`/internal/Transfers/outgoing/${id}`, ['Completed', 'Failed']);
    expect(final).toMatchObject({ status: 'Failed', failureReason: 'the recipient account cannot receive the transfer' });
    expect(final.failureReason).not.toContain(payee.id);
    expect(await balances(api(), payer.id)).toMatchObject({ balance: '100.00', held: '0.00', available: '100.00' });
    expect((await api().get('/internal/Holds/stranded?limit=500')).body.value.items).toEqual([]);
  });

  it('closed before: the transfer is refused at creation with 422 ACCOUNT_NOT_ACTIVE, saying nothing more of the account', async () => {
    const payer = await customer('100.00');
    const payee = await customer();
    await closeAccount(payee, payee.id);
    const refused = await outgoing(payer, {
      amount: '5.00',
      recipient: { name: 'Bo', accountNumber: payee.number, country: 'CH', currency: 'EUR' },
    });
    expect(refused.status, refused.text).toBe(422);
    expect(codeOf(refused)).toBe('ACCOUNT_NOT_ACTIVE');
    expect(refused.text).not.toContain(payee.id);
    expect(await balances(api(), payer.id)).toMatchObject({ held: '0.00' });
  });
});

describe('what a payee sees of an internal transfer', () => {
  it('the sender by name and masked references, never the payer ids', async () => {
    const payer = await customer('100.00');
    const payee = await customer();
    const created = await outgoing(payer, {
      amount: '1.00',
      recipient: { name: 'Bo', accountNumber: payee.number, country: 'CH', currency: 'EUR' },
    });
    const id = created.body.value.id;
    await confirm(payer, id, await lastCode(api(), payer.clientId));
    const done = await waitFor(`/internal/Transfers/outgoing/${id}`, ['Completed']);
    const seen = await api().get(`/Transfers/${done.relatedTransferId}`, payee.as);
    expect(seen.status, seen.text).toBe(200);
    const { sender } = seen.body.value;
    expect(sender.name).toBe('Grace Hopper');
    expect(sender.iban).toMatch(/^[A-Z]{2}\d{2}\*+\d{4}$/);
    expect(sender.accountNumber).toMatch(/^\*+\d{4}$/);
    expect(seen.text).not.toContain(payer.clientId);
    expect(seen.text).not.toContain(payer.id);
    expect(seen.text).not.toContain(payer.number);
  });
});
