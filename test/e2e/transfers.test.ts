import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAmount } from '../../domain/money';
import { token } from '../support/api';
import { balances, internalAccount, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi();

const GERMAN_IBAN = 'DE89370400440532013000';
const US_IBANLESS = { accountNumber: '123456789012', bic: 'CHASUS33', country: 'US' };

/** A client with a funded EUR account and its own token. */
async function customer(funding = '100.00', currency = 'EUR') {
  const account = await openAccount(api(), currency, parseAmount(funding, currency, { allowZero: true }) > 0n ? funding : undefined);
  const bearer = await token('client', account.clientId);
  const as = { token: bearer };
  return { ...account, bearer, as };
}

/** The last code the notifier sent to the client. */
async function lastCode(clientId: string): Promise<string> {
  const res = await api().get(`/internal/Notifications?clientId=${clientId}&limit=1`);
  const match = /code is (\d{6})/.exec(res.body.value.items[0]?.body ?? '');
  if (!match?.[1]) throw new Error('no code was sent');
  return match[1];
}

/** Resends a code, waiting out the spacing between resends (429 with Retry-After) if needed. */
async function resend(confirmationId: string, as: { token: string }) {
  for (;;) {
    const res = await api().post(`/Confirmations/${confirmationId}/resend`, undefined, as);
    if (res.status !== 429) return res;
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
  }
}

async function waitForStatus(transferId: string, wanted: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api().get(`/internal/Transfers/outgoing/${transferId}`);
    if (wanted.includes(res.body.value.status) || Date.now() > deadline) return res.body.value;
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function outgoing(
  c: Awaited<ReturnType<typeof customer>>,
  amount: string,
  reference = 'invoice 1',
  recipient: Record<string, unknown> = {},
) {
  return api().post(
    '/Transfers/outgoing',
    {
      accountId: c.id,
      amount,
      currency: 'EUR',
      reference,
      recipient: { name: 'Jane Roe', iban: GERMAN_IBAN, country: 'DE', currency: 'EUR', ...recipient },
    },
    c.as,
  );
}

describe('outgoing transfers over HTTP with the real worker and the sandbox provider', () => {
  it('Sepa happy path: amount + fee held, code confirmed, settled to settlement and fee income', async () => {
    const c = await customer('100.00');
    const settlement = await internalAccount(api(), 'EUR', 'settlement');
    const feeIncome = await internalAccount(api(), 'EUR', 'fee_income');

    const type = await api().get(`/Transfers/type?recipientAccount=${GERMAN_IBAN}&currency=EUR`, c.as);
    expect(type.body.value).toMatchObject({ type: 'Sepa', fee: '0.50' });

    const created = await outgoing(c, '10.00');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.value).toMatchObject({
      status: 'PendingConfirmation',
      type: 'Sepa',
      amount: '10.00',
      fee: '0.50',
      direction: 'outgoing',
    });
    // The confirmation the client answers with the code: its own, waiting, with every attempt left.
    const confirmation = await api().get(`/Confirmations/${created.body.value.confirmationId}`, c.as);
    expect(confirmation.status, JSON.stringify(confirmation.body)).toBe(200);
    expect(confirmation.body.value).toMatchObject({ id: created.body.value.confirmationId, status: 'pending', attemptsLeft: 5 });
    expect(await balances(api(), c.id)).toMatchObject({ balance: '100.00', held: '10.50', available: '89.50' });

    const code = await lastCode(c.clientId);
    const confirmed = await api().put(`/Transfers/outgoing/${created.body.value.id}/confirm`, { code }, c.as);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(['Confirmed', 'Processing', 'Completed']).toContain(confirmed.body.value.status);

    const done = await waitForStatus(created.body.value.id, ['Completed', 'Failed', 'Stuck']);
    expect(done.status).toBe('Completed');
    expect(done.providerReference).toMatch(/^SBX-/);
    expect(await balances(api(), c.id)).toMatchObject({ balance: '89.50', held: '0.00', available: '89.50' });
    // Other suites move money through the same internal accounts in parallel, so the transfer's own
    // entries say where its money went.
    const entries = (await api().get(`/internal/Transactions?transferId=${created.body.value.id}`)).body.value.items;
    const settled = entries.filter((e: { type: string }) => e.type === 'post_pending');
    expect(settled.map((e: { creditAccountId: string; amount: string }) => [e.creditAccountId, e.amount]).sort()).toEqual(
      [
        [settlement.id, '10.00'],
        [feeIncome.id, '0.50'],
      ].sort(),
    );
    // A repeated confirm is 200 with the code that confirmed it, and a wrong code is still wrong.
    const again = await api().put(`/Transfers/outgoing/${created.body.value.id}/confirm`, { code }, c.as);
    expect(again.status).toBe(200);
    const guess = await api().put(
      `/Transfers/outgoing/${created.body.value.id}/confirm`,
      { code: code === '000000' ? '111111' : '000000' },
      c.as,
    );
    expect(guess.status).toBe(422);
    expect(guess.body.errors[0].metadata.code).toBe('OTP_INVALID');
  });

  it('refuses wrong codes, locks after 5, and a resent code works', async () => {
    const c = await customer('50.00');
    const { id, confirmationId } = (await outgoing(c, '5.00')).body.value;
    const code = await lastCode(c.clientId);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 5; i++) {
      const res = await api().put(`/Transfers/outgoing/${id}/confirm`, { code: wrong }, c.as);
      expect(res.status).toBe(422);
      expect(res.body.errors[0].metadata.code).toBe('OTP_INVALID');
    }
    const locked = await api().put(`/Transfers/outgoing/${id}/confirm`, { code }, c.as);
    expect(locked.body.errors[0].metadata.code).toBe('OTP_ATTEMPTS_EXCEEDED');
    expect((await api().get(`/Confirmations/${confirmationId}`, c.as)).body.value).toMatchObject({ status: 'locked', attemptsLeft: 0 });

    const resent = await resend(confirmationId, c.as);
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    const fresh = await lastCode(c.clientId);
    const ok = await api().put(`/Transfers/outgoing/${id}/confirm`, { code: fresh }, c.as);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await waitForStatus(id, ['Completed'])).status).toBe('Completed');
  });

  it('stops a brute force: 3 resends at most, spaced, then locked for good and the transfer cancelled', async () => {
    const c = await customer('50.00');
    const { id, confirmationId } = (await outgoing(c, '5.00')).body.value;
    let guesses = 0;
    const guessWrong = async () => {
      const code = await lastCode(c.clientId);
      const res = await api().put(`/Transfers/outgoing/${id}/confirm`, { code: code === '000000' ? '111111' : '000000' }, c.as);
      guesses += 1;
      return res;
    };
    const lastSent = (when: string) =>
      api().sql`UPDATE confirmations SET last_sent_at = now() + ${when}::interval WHERE id = ${confirmationId}`;
    for (let resends = 0; ; resends++) {
      for (let i = 0; i < 5; i++) expect((await guessWrong()).status).toBe(422);
      if (resends === 3) break;
      // The last code went out a moment ago (moved into the future, so a slow machine cannot outwait it): too soon.
      await lastSent('1 minute');
      const tooSoon = await api().post(`/Confirmations/${confirmationId}/resend`, undefined, c.as);
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.body.errors[0].metadata.code).toBe('RATE_LIMITED');
      expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(50);
      await lastSent('-1 minute');
      expect((await api().post(`/Confirmations/${confirmationId}/resend`, undefined, c.as)).status).toBe(200);
    }
    expect(guesses).toBe(20);
    // Locked for good: the transfer is cancelled with its hold released, and no code is sent again.
    const transfer = await waitForStatus(id, ['Cancelled']);
    expect(transfer).toMatchObject({ status: 'Cancelled', failureReason: 'the code was locked after too many wrong attempts' });
    expect(await balances(api(), c.id)).toMatchObject({ held: '0.00', available: '50.00' });
    const again = await api().post(`/Confirmations/${confirmationId}/resend`, undefined, c.as);
    expect(again.status).toBe(422);
    const right = await api().put(`/Transfers/outgoing/${id}/confirm`, { code: await lastCode(c.clientId) }, c.as);
    expect(right.status).toBe(422);
  });

  it('refuses an expired code', async () => {
    const c = await customer('50.00');
    const { id, confirmationId } = (await outgoing(c, '5.00')).body.value;
    const code = await lastCode(c.clientId);
    // Time passes: the code is now five minutes old.
    await api().sql`UPDATE confirmations SET expires_at = now() - interval '1 second' WHERE id = ${confirmationId}`;
    const res = await api().put(`/Transfers/outgoing/${id}/confirm`, { code }, c.as);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].metadata.code).toBe('OTP_EXPIRED');
  });

  it('cancels before confirmation: the hold is paid back', async () => {
    const c = await customer('20.00');
    const { id } = (await outgoing(c, '19.50')).body.value;
    expect(await balances(api(), c.id)).toMatchObject({ available: '0.00' });
    const cancelled = await api().request('DELETE', `/Transfers/outgoing/${id}`, undefined, c.as);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.value.status).toBe('Cancelled');
    expect(await balances(api(), c.id)).toMatchObject({ balance: '20.00', held: '0.00', available: '20.00' });
    const confirm = await api().put(`/Transfers/outgoing/${id}/confirm`, { code: await lastCode(c.clientId) }, c.as);
    expect(confirm.status).toBe(422);
    expect(confirm.body.errors[0].metadata.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('refuses a transfer beyond available with 422 and leaves no trace', async () => {
    const c = await customer('10.00');
    const res = await outgoing(c, '9.60');
    expect(res.status).toBe(422);
    expect(res.body.errors[0].metadata.code).toBe('INSUFFICIENT_FUNDS');
    expect((await api().get('/Transfers', c.as)).body.value.items).toEqual([]);
  });

  it('fails with a reason when the provider rejects, and pays back', async () => {
    const c = await customer('30.00');
    const { id } = (await outgoing(c, '10.00', 'REJECT please')).body.value;
    await api().put(`/Transfers/outgoing/${id}/confirm`, { code: await lastCode(c.clientId) }, c.as);
    const done = await waitForStatus(id, ['Failed', 'Completed']);
    expect(done.status).toBe('Failed');
    expect(done.failureReason).toMatch(/rejected/);
    expect(await balances(api(), c.id)).toMatchObject({ balance: '30.00', held: '0.00', available: '30.00' });
  });

  it('becomes Stuck when the provider does not answer, is listed by TransferStatus, and continue completes it', async () => {
    const c = await customer('30.00');
    const { id } = (await outgoing(c, '10.00', 'FAIL4 then fine')).body.value;
    await api().put(`/Transfers/outgoing/${id}/confirm`, { code: await lastCode(c.clientId) }, c.as);
    expect((await waitForStatus(id, ['Stuck', 'Completed'])).status).toBe('Stuck');

    let listed: string[] = [];
    for (let i = 0; i < 50 && listed.length === 0; i++) {
      listed = [];
      for await (const wf of api().temporal.workflow.list({ query: `TransferStatus = 'Stuck' AND ClientId = '${c.clientId}'` }))
        listed.push(wf.workflowId);
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toEqual([`transfer-${id}`]);

    expect((await api().post(`/internal/Transfers/outgoing/${id}/continue`, {}, { token: api().tokens.system })).status).toBe(403);
    const resumed = await api().post(
      `/internal/Transfers/outgoing/${id}/continue`,
      { note: 'provider is back' },
      { token: api().tokens.ops },
    );
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect((await waitForStatus(id, ['Completed', 'Stuck', 'Failed'])).status).toBe('Completed');
    const details = await api().get(`/internal/Transfers/outgoing/${id}`);
    expect(details.body.value.audit).toEqual([
      expect.objectContaining({ action: 'continue', actor: 'ops:test-ops', note: 'provider is back' }),
    ]);
    expect(details.body.value.workflowId).toBe(`transfer-${id}`);
    expect(await balances(api(), c.id)).toMatchObject({ balance: '19.50', held: '0.00' });
  });

  it('is executed by hand by ops when Stuck, and refuses execute from another status', async () => {
    const c = await customer('30.00');
    const { id } = (await outgoing(c, '10.00', 'TIMEOUT forever')).body.value;
    expect(
      (await api().post(`/internal/Transfers/outgoing/${id}/execute`, { providerReference: 'X' }, { token: api().tokens.ops })).status,
    ).toBe(422);
    await api().put(`/Transfers/outgoing/${id}/confirm`, { code: await lastCode(c.clientId) }, c.as);
    expect((await waitForStatus(id, ['Stuck'])).status).toBe('Stuck');
    const executed = await api().post(
      `/internal/Transfers/outgoing/${id}/execute`,
      { providerReference: 'MANUAL-42', note: 'paid by phone' },
      { token: api().tokens.ops },
    );
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);
    expect(executed.body.value).toMatchObject({ status: 'Completed', providerReference: 'MANUAL-42' });
    const details = await api().get(`/internal/Transfers/outgoing/${id}`);
    expect(details.body.value.audit).toEqual([expect.objectContaining({ action: 'execute', note: 'paid by phone' })]);
    expect(await balances(api(), c.id)).toMatchObject({ balance: '19.50', held: '0.00' });
  });

  it('settles an internal transfer between two clients inside the ledger; both see their record', async () => {
    const payer = await customer('40.00');
    const payee = await customer('0.00');
    const payeeAccount = (await api().get(`/v2/ledger/internal/Accounts/${payee.id}`)).body.value;
    const type = await api().get(`/Transfers/type?recipientAccount=${payeeAccount.accountNumber}&currency=EUR`, payer.as);
    expect(type.body.value).toMatchObject({ type: 'Internal', fee: '0.00' });
    const recipient = await api().post(
      '/Recipients',
      { name: 'Payee', accountNumber: payeeAccount.accountNumber, country: 'DE', currency: 'EUR' },
      payer.as,
    );
    expect(recipient.status).toBe(201);
    const created = await api().post(
      '/Transfers/outgoing',
      { accountId: payer.id, recipientId: recipient.body.value.id, amount: '15', currency: 'EUR' },
      payer.as,
    );
    expect(created.body.value).toMatchObject({ type: 'Internal', fee: '0.00' });
    await api().put(`/Transfers/outgoing/${created.body.value.id}/confirm`, { code: await lastCode(payer.clientId) }, payer.as);
    expect((await waitForStatus(created.body.value.id, ['Completed'])).status).toBe('Completed');
    expect(await balances(api(), payer.id)).toMatchObject({ balance: '25.00' });
    expect(await balances(api(), payee.id)).toMatchObject({ balance: '15.00' });
    const incoming = (await api().get('/Transfers?direction=incoming', payee.as)).body.value.items;
    expect(incoming).toEqual([expect.objectContaining({ direction: 'incoming', type: 'Internal', amount: '15.00', status: 'Completed' })]);
    expect((await api().get(`/Transfers/${created.body.value.id}`, payee.as)).status).toBe(404);
  });

  it('keeps clients to their own transfers and recipients', async () => {
    const a = await customer('10.00');
    const b = await customer('10.00');
    const { id } = (await outgoing(a, '1.00')).body.value;
    const recipient = await api().post('/Recipients', { name: 'R', iban: GERMAN_IBAN, country: 'DE', currency: 'EUR' }, a.as);
    for (const path of [`/Transfers/${id}`, `/Transfers/outgoing/${id}`, `/Recipients/${recipient.body.value.id}`]) {
      expect((await api().get(path, b.as)).status, path).toBe(404);
    }
    expect((await api().request('DELETE', `/Transfers/outgoing/${id}`, undefined, b.as)).status).toBe(404);
    expect((await api().put(`/Transfers/outgoing/${id}/confirm`, { code: '123456' }, b.as)).status).toBe(404);
    expect(
      (
        await api().post(
          '/Transfers/outgoing',
          { accountId: a.id, amount: '1', currency: 'EUR', recipientId: recipient.body.value.id },
          b.as,
        )
      ).status,
    ).toBe(404);
    expect((await api().get('/internal/Transfers', a.as)).status).toBe(403);
    expect((await api().get('/Recipients', b.as)).body.value.items).toEqual([]);
  });

  it('validates recipients with a real IBAN/BIC check', async () => {
    const c = await customer('10.00');
    const field = async (recipient: Record<string, unknown>) =>
      (await api().post('/Recipients', { name: 'R', country: 'DE', currency: 'EUR', ...recipient }, c.as)).body.errors?.[0]?.metadata.field;
    expect(await field({ iban: 'DE89370400440532013001' })).toBe('iban');
    expect(await field({ iban: 'XX89370400440532013000' })).toBe('iban');
    expect(await field({ iban: GERMAN_IBAN, bic: 'NOTABIC!' })).toBe('bic');
    expect(await field({})).toBe('iban');
    const ok = await api().post(
      '/Recipients',
      { name: 'R', iban: 'de89 3704 0044 0532 0130 00', bic: 'cobadeffxxx', country: 'DE', currency: 'EUR' },
      c.as,
    );
    expect(ok.body.value).toMatchObject({ iban: GERMAN_IBAN, bic: 'COBADEFFXXX', hidden: false });
    const hidden = await api().put(`/Recipients/${ok.body.value.id}/visibility`, { hidden: true }, c.as);
    expect(hidden.body.value.hidden).toBe(true);
    expect((await api().get('/Recipients?hidden=false', c.as)).body.value.items).toEqual([]);
    const swift = await api().get(`/Transfers/type?recipientAccount=${US_IBANLESS.accountNumber}&currency=USD`, c.as);
    expect(swift.body.value).toMatchObject({ type: 'Swift', fee: '15.00' });
  });
});

describe('incoming transfers', () => {
  const report = (body: Record<string, unknown>) =>
    api().post('/internal/IncomingRequests', { currency: 'EUR', senderName: 'ACME', ...body });

  it('credits a matched account once, however often the provider reports it (also concurrently)', async () => {
    const c = await customer('0.00');
    const account = (await api().get(`/v2/ledger/internal/Accounts/${c.id}`)).body.value;
    const providerReference = `PR-${randomUUID()}`;
    const body = { providerReference, amount: '12.34', receiverAccountNumber: account.accountNumber };
    const first = await report(body);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body.value).toMatchObject({ direction: 'incoming', status: 'Completed', clientId: c.clientId, accountId: c.id });
    const replays = await Promise.all(Array.from({ length: 10 }, () => report(body)));
    expect(new Set(replays.map((r) => r.status))).toEqual(new Set([202]));
    expect(new Set(replays.map((r) => r.body.value.id))).toEqual(new Set([first.body.value.id]));
    expect(await balances(api(), c.id)).toMatchObject({ balance: '12.34' });
    const entries = await api().get(`/internal/Transactions?transferId=${first.body.value.id}`);
    expect(entries.body.value.items).toHaveLength(1);
    expect((await api().get('/Transfers?direction=incoming', c.as)).body.value.items).toHaveLength(1);
    expect((await report({ ...body, amount: '12.35' })).status).toBe(409);
  });

  it('holds an unmatched payment in suspense until ops assigns it', async () => {
    const c = await customer('0.00');
    const suspense = await internalAccount(api(), 'EUR', 'suspense');
    const res = await report({ providerReference: `PR-${randomUUID()}`, amount: '7.00', receiverIban: 'DE02120300000000202051' });
    expect(res.body.value).toMatchObject({ status: 'Unrecognized', clientId: null });
    const id = res.body.value.id;
    // Other suites (concurrency.test.ts) send unmatched payments to the same suspense account in
    // parallel, so its balance says nothing exact about this one; the transfer's own entries do,
    // compared as exact decimal strings.
    const entriesOfTransfer = async () => (await api().get(`/internal/Transactions?transferId=${id}`)).body.value.items;
    expect(await entriesOfTransfer()).toEqual([expect.objectContaining({ type: 'posted', creditAccountId: suspense.id, amount: '7.00' })]);
    expect(
      (await api().post(`/internal/Transfers/incoming/${id}/assign`, { accountId: c.id }, { token: api().tokens.system })).status,
    ).toBe(403);
    const assigned = await api().post(
      `/internal/Transfers/incoming/${id}/assign`,
      { accountId: c.id, note: 'matched by name' },
      { token: api().tokens.ops },
    );
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body.value).toMatchObject({ status: 'Completed', clientId: c.clientId, accountId: c.id });
    expect(await balances(api(), c.id)).toMatchObject({ balance: '7.00' });
    // Out of suspense to the client: the same 7.00, and nothing else moved.
    const entries = await entriesOfTransfer();
    expect(entries).toHaveLength(2);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'posted', creditAccountId: suspense.id, amount: '7.00' }),
        expect.objectContaining({ type: 'posted', debitAccountId: suspense.id, creditAccountId: c.id, amount: '7.00' }),
      ]),
    );
    const again = await api().post(`/internal/Transfers/incoming/${id}/assign`, { accountId: c.id }, { token: api().tokens.ops });
    expect(again.status).toBe(422);
  });
});
