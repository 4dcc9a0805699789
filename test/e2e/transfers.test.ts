import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CorebankClient, Schemas } from '../../client';
import { parseAmount } from '../../domain/money';
import { token } from '../support/api';
import { balances, internalAccount, openAccount } from '../support/bankFixtures';
import { send, useHttpApi } from '../support/http';

// Every request of this suite goes over real HTTP through the typed client (client/), with the
// system token unless a client's or the ops token is named; the account fixtures and the balance
// reads use the same app in-process.
const { api, client } = useHttpApi();
const http = () => client();
const ops = () => client(api().tokens.ops);
const path = (transferId: string) => ({ params: { path: { transferId } } });

const GERMAN_IBAN = 'DE89370400440532013000';
const US_IBANLESS = { accountNumber: '123456789012', bic: 'CHASUS33', country: 'US' };

/** A client with a funded EUR account and its own token. */
async function customer(funding = '100.00', currency = 'EUR') {
  const account = await openAccount(api(), currency, parseAmount(funding, currency, { allowZero: true }) > 0n ? funding : undefined);
  const bearer = await token('client', account.clientId);
  return { ...account, bearer, http: client(bearer) };
}

type Customer = Awaited<ReturnType<typeof customer>>;

/** The client confirms its transfer with a code. */
const confirmTransfer = (c: Customer, transferId: string, code: string) =>
  send(c.http.PUT('/Transfers/outgoing/{transferId}/confirm', { ...path(transferId), body: { code } }));

/** The transfer's own ledger entries. */
const transactionsOf = (transferId: string) => send(http().GET('/internal/Transactions', { params: { query: { transferId } } }));

/** The last code the notifier sent to the client (other notices, such as codes blocked for the day, may follow it). */
async function lastCode(clientId: string): Promise<string> {
  const res = await send(http().GET('/internal/Notifications', { params: { query: { clientId, limit: 5 } } }));
  const bodies: string[] = res.body.value.items.map((n: { body: string }) => n.body);
  const match = bodies.map((body) => /code is (\d{6})/.exec(body)).find(Boolean);
  if (!match?.[1]) throw new Error('no code was sent');
  return match[1];
}

/** Resends a code, waiting out the spacing between resends (429 with Retry-After) if needed. */
async function resend(confirmationId: string, as: CorebankClient) {
  for (;;) {
    const res = await send(as.POST('/Confirmations/{confirmationId}/resend', { params: { path: { confirmationId } } }));
    if (res.status !== 429) return res;
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
  }
}

async function waitForStatus(transferId: string, wanted: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await send(http().GET('/internal/Transfers/outgoing/{transferId}', path(transferId)));
    if (wanted.includes(res.body.value.status) || Date.now() > deadline) return res.body.value;
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function outgoing(c: Customer, amount: string, reference = 'invoice 1', recipient: Partial<Schemas['RecipientInput']> = {}) {
  return send(
    c.http.POST('/Transfers/outgoing', {
      body: {
        accountId: c.id,
        amount,
        currency: 'EUR',
        reference,
        recipient: { name: 'Jane Roe', iban: GERMAN_IBAN, country: 'DE', currency: 'EUR', ...recipient },
      },
    }),
  );
}

describe('outgoing transfers over HTTP with the real worker and the sandbox provider', () => {
  it('Sepa happy path: amount + fee held, code confirmed, settled to settlement and fee income', async () => {
    const c = await customer('100.00');
    const settlement = await internalAccount(api(), 'EUR', 'settlement');
    const feeIncome = await internalAccount(api(), 'EUR', 'fee_income');

    const type = await send(c.http.GET('/Transfers/type', { params: { query: { recipientAccount: GERMAN_IBAN, currency: 'EUR' } } }));
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
    const confirmation = await send(
      c.http.GET('/Confirmations/{confirmationId}', { params: { path: { confirmationId: created.body.value.confirmationId } } }),
    );
    expect(confirmation.status, JSON.stringify(confirmation.body)).toBe(200);
    expect(confirmation.body.value).toMatchObject({ id: created.body.value.confirmationId, status: 'pending', attemptsLeft: 5 });
    expect(await balances(api(), c.id)).toMatchObject({ balance: '100.00', held: '10.50', available: '89.50' });

    const code = await lastCode(c.clientId);
    const confirmed = await confirmTransfer(c, created.body.value.id, code);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(['Confirmed', 'Processing', 'Completed']).toContain(confirmed.body.value.status);

    const done = await waitForStatus(created.body.value.id, ['Completed', 'Failed', 'Stuck']);
    expect(done.status).toBe('Completed');
    expect(done.providerReference).toMatch(/^SBX-/);
    expect(await balances(api(), c.id)).toMatchObject({ balance: '89.50', held: '0.00', available: '89.50' });
    // Other suites move money through the same internal accounts in parallel, so the transfer's own
    // entries say where its money went.
    const entries = (await transactionsOf(created.body.value.id)).body.value.items;
    const settled = entries.filter((e: { type: string }) => e.type === 'post_pending');
    expect(settled.map((e: { creditAccountId: string; amount: string }) => [e.creditAccountId, e.amount]).sort()).toEqual(
      [
        [settlement.id, '10.00'],
        [feeIncome.id, '0.50'],
      ].sort(),
    );
    // A repeated confirm is 200 with the code that confirmed it, and a wrong code is still wrong.
    const again = await confirmTransfer(c, created.body.value.id, code);
    expect(again.status).toBe(200);
    const guess = await confirmTransfer(c, created.body.value.id, code === '000000' ? '111111' : '000000');
    expect(guess.status).toBe(422);
    expect(guess.body.errors[0].metadata.code).toBe('OTP_INVALID');
  });

  it('refuses wrong codes, locks after 5, and a resent code works', async () => {
    const c = await customer('50.00');
    const { id, confirmationId } = (await outgoing(c, '5.00')).body.value;
    const code = await lastCode(c.clientId);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 5; i++) {
      const res = await confirmTransfer(c, id, wrong);
      expect(res.status).toBe(422);
      expect(res.body.errors[0].metadata.code).toBe('OTP_INVALID');
    }
    const locked = await confirmTransfer(c, id, code);
    expect(locked.body.errors[0].metadata.code).toBe('OTP_ATTEMPTS_EXCEEDED');
    expect((await send(c.http.GET('/Confirmations/{confirmationId}', { params: { path: { confirmationId } } }))).body.value).toMatchObject({
      status: 'locked',
      attemptsLeft: 0,
    });

    const resent = await resend(confirmationId, c.http);
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    const fresh = await lastCode(c.clientId);
    const ok = await confirmTransfer(c, id, fresh);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await waitForStatus(id, ['Completed'])).status).toBe('Completed');
  });

  it('stops a brute force: 3 resends at most, spaced, then locked for good and the transfer cancelled', async () => {
    const c = await customer('50.00');
    const { id, confirmationId } = (await outgoing(c, '5.00')).body.value;
    let guesses = 0;
    const guessWrong = async () => {
      const code = await lastCode(c.clientId);
      const res = await confirmTransfer(c, id, code === '000000' ? '111111' : '000000');
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
      const tooSoon = await send(c.http.POST('/Confirmations/{confirmationId}/resend', { params: { path: { confirmationId } } }));
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.body.errors[0].metadata.code).toBe('RATE_LIMITED');
      expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(50);
      await lastSent('-1 minute');
      expect((await send(c.http.POST('/Confirmations/{confirmationId}/resend', { params: { path: { confirmationId } } }))).status).toBe(
        200,
      );
    }
    expect(guesses).toBe(20);
    // Locked for good: the transfer is cancelled with its hold released, and no code is sent again.
    const transfer = await waitForStatus(id, ['Cancelled']);
    expect(transfer).toMatchObject({ status: 'Cancelled', failureReason: 'the code was locked after too many wrong attempts' });
    expect(await balances(api(), c.id)).toMatchObject({ held: '0.00', available: '50.00' });
    const again = await send(c.http.POST('/Confirmations/{confirmationId}/resend', { params: { path: { confirmationId } } }));
    expect(again.status).toBe(422);
    const right = await confirmTransfer(c, id, await lastCode(c.clientId));
    expect(right.status).toBe(422);
  });

  it('refuses an expired code', async () => {
    const c = await customer('50.00');
    const { id, confirmationId } = (await outgoing(c, '5.00')).body.value;
    const code = await lastCode(c.clientId);
    // Time passes: the code is now five minutes old.
    await api().sql`UPDATE confirmations SET expires_at = now() - interval '1 second' WHERE id = ${confirmationId}`;
    const res = await confirmTransfer(c, id, code);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].metadata.code).toBe('OTP_EXPIRED');
  });

  it('cancels before confirmation: the hold is paid back', async () => {
    const c = await customer('20.00');
    const { id } = (await outgoing(c, '19.50')).body.value;
    expect(await balances(api(), c.id)).toMatchObject({ available: '0.00' });
    const cancelled = await send(c.http.DELETE('/Transfers/outgoing/{transferId}', path(id)));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.value.status).toBe('Cancelled');
    expect(await balances(api(), c.id)).toMatchObject({ balance: '20.00', held: '0.00', available: '20.00' });
    const confirm = await confirmTransfer(c, id, await lastCode(c.clientId));
    expect(confirm.status).toBe(422);
    expect(confirm.body.errors[0].metadata.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('refuses a transfer beyond available with 422 and leaves no trace', async () => {
    const c = await customer('10.00');
    const res = await outgoing(c, '9.60');
    expect(res.status).toBe(422);
    expect(res.body.errors[0].metadata.code).toBe('INSUFFICIENT_FUNDS');
    expect((await send(c.http.GET('/Transfers'))).body.value.items).toEqual([]);
  });

  it('fails with a reason when the provider rejects, and pays back', async () => {
    const c = await customer('30.00');
    const { id } = (await outgoing(c, '10.00', 'REJECT please')).body.value;
    await confirmTransfer(c, id, await lastCode(c.clientId));
    const done = await waitForStatus(id, ['Failed', 'Completed']);
    expect(done.status).toBe('Failed');
    expect(done.failureReason).toMatch(/rejected/);
    expect(await balances(api(), c.id)).toMatchObject({ balance: '30.00', held: '0.00', available: '30.00' });
  });

  it('becomes Stuck when the provider does not answer, is listed by TransferStatus, and continue completes it', async () => {
    const c = await customer('30.00');
    const { id } = (await outgoing(c, '10.00', 'FAIL4 then fine')).body.value;
    await confirmTransfer(c, id, await lastCode(c.clientId));
    expect((await waitForStatus(id, ['Stuck', 'Completed'])).status).toBe('Stuck');

    let listed: string[] = [];
    for (let i = 0; i < 50 && listed.length === 0; i++) {
      listed = [];
      for await (const wf of api().temporal.workflow.list({ query: `TransferStatus = 'Stuck' AND ClientId = '${c.clientId}'` }))
        listed.push(wf.workflowId);
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toEqual([`transfer-${id}`]);

    expect((await send(http().POST('/internal/Transfers/outgoing/{transferId}/continue', { ...path(id), body: {} }))).status).toBe(403);
    const resumed = await send(
      ops().POST('/internal/Transfers/outgoing/{transferId}/continue', { ...path(id), body: { note: 'provider is back' } }),
    );
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect((await waitForStatus(id, ['Completed', 'Stuck', 'Failed'])).status).toBe('Completed');
    const details = await send(http().GET('/internal/Transfers/outgoing/{transferId}', path(id)));
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
      (await send(ops().POST('/internal/Transfers/outgoing/{transferId}/execute', { ...path(id), body: { providerReference: 'X' } })))
        .status,
    ).toBe(422);
    await confirmTransfer(c, id, await lastCode(c.clientId));
    expect((await waitForStatus(id, ['Stuck'])).status).toBe('Stuck');
    const executed = await send(
      ops().POST('/internal/Transfers/outgoing/{transferId}/execute', {
        ...path(id),
        body: { providerReference: 'MANUAL-42', note: 'paid by phone' },
      }),
    );
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);
    expect(executed.body.value).toMatchObject({ status: 'Completed', providerReference: 'MANUAL-42' });
    const details = await send(http().GET('/internal/Transfers/outgoing/{transferId}', path(id)));
    expect(details.body.value.audit).toEqual([expect.objectContaining({ action: 'execute', note: 'paid by phone' })]);
    expect(await balances(api(), c.id)).toMatchObject({ balance: '19.50', held: '0.00' });
  });

  it('settles an internal transfer between two clients inside the ledger; both see their record', async () => {
    const payer = await customer('40.00');
    const payee = await customer('0.00');
    const payeeAccount = (await send(http().GET('/v2/ledger/internal/Accounts/{accountId}', { params: { path: { accountId: payee.id } } })))
      .body.value;
    const type = await send(
      payer.http.GET('/Transfers/type', { params: { query: { recipientAccount: payeeAccount.accountNumber, currency: 'EUR' } } }),
    );
    expect(type.body.value).toMatchObject({ type: 'Internal', fee: '0.00' });
    const recipient = await send(
      payer.http.POST('/Recipients', {
        body: { name: 'Payee', accountNumber: payeeAccount.accountNumber, country: 'DE', currency: 'EUR' },
      }),
    );
    expect(recipient.status).toBe(201);
    const created = await send(
      payer.http.POST('/Transfers/outgoing', {
        body: { accountId: payer.id, recipientId: recipient.body.value.id, amount: '15', currency: 'EUR' },
      }),
    );
    expect(created.body.value).toMatchObject({ type: 'Internal', fee: '0.00' });
    await confirmTransfer(payer, created.body.value.id, await lastCode(payer.clientId));
    expect((await waitForStatus(created.body.value.id, ['Completed'])).status).toBe('Completed');
    expect(await balances(api(), payer.id)).toMatchObject({ balance: '25.00' });
    expect(await balances(api(), payee.id)).toMatchObject({ balance: '15.00' });
    const incoming = (await send(payee.http.GET('/Transfers', { params: { query: { direction: 'incoming' } } }))).body.value.items;
    expect(incoming).toEqual([expect.objectContaining({ direction: 'incoming', type: 'Internal', amount: '15.00', status: 'Completed' })]);
    expect((await send(payee.http.GET('/Transfers/{transferId}', path(created.body.value.id)))).status).toBe(404);
  });

  it('keeps clients to their own transfers and recipients', async () => {
    const a = await customer('10.00');
    const b = await customer('10.00');
    const { id } = (await outgoing(a, '1.00')).body.value;
    const recipient = await send(a.http.POST('/Recipients', { body: { name: 'R', iban: GERMAN_IBAN, country: 'DE', currency: 'EUR' } }));
    const reads = [
      ['/Transfers/{transferId}', () => send(b.http.GET('/Transfers/{transferId}', path(id)))],
      ['/Transfers/outgoing/{transferId}', () => send(b.http.GET('/Transfers/outgoing/{transferId}', path(id)))],
      [
        '/Recipients/{recipientId}',
        () => send(b.http.GET('/Recipients/{recipientId}', { params: { path: { recipientId: recipient.body.value.id } } })),
      ],
    ] as const;
    for (const [route, read] of reads) {
      expect((await read()).status, route).toBe(404);
    }
    expect((await send(b.http.DELETE('/Transfers/outgoing/{transferId}', path(id)))).status).toBe(404);
    expect((await confirmTransfer(b, id, '123456')).status).toBe(404);
    expect(
      (
        await send(
          b.http.POST('/Transfers/outgoing', {
            body: { accountId: a.id, amount: '1', currency: 'EUR', recipientId: recipient.body.value.id },
          }),
        )
      ).status,
    ).toBe(404);
    expect((await send(a.http.GET('/internal/Transfers'))).status).toBe(403);
    expect((await send(b.http.GET('/Recipients'))).body.value.items).toEqual([]);
  });

  it('validates recipients with a real IBAN/BIC check', async () => {
    const c = await customer('10.00');
    const field = async (recipient: Partial<Schemas['RecipientInput']>) =>
      (await send(c.http.POST('/Recipients', { body: { name: 'R', country: 'DE', currency: 'EUR', ...recipient } }))).body.errors?.[0]
        ?.metadata.field;
    expect(await field({ iban: 'DE89370400440532013001' })).toBe('iban');
    expect(await field({ iban: 'XX89370400440532013000' })).toBe('iban');
    expect(await field({ iban: GERMAN_IBAN, bic: 'NOTABIC!' })).toBe('bic');
    expect(await field({})).toBe('iban');
    const ok = await send(
      c.http.POST('/Recipients', {
        body: { name: 'R', iban: 'de89 3704 0044 0532 0130 00', bic: 'cobadeffxxx', country: 'DE', currency: 'EUR' },
      }),
    );
    expect(ok.body.value).toMatchObject({ iban: GERMAN_IBAN, bic: 'COBADEFFXXX', hidden: false });
    const hidden = await send(
      c.http.PUT('/Recipients/{recipientId}/visibility', { params: { path: { recipientId: ok.body.value.id } }, body: { hidden: true } }),
    );
    expect(hidden.body.value.hidden).toBe(true);
    expect((await send(c.http.GET('/Recipients', { params: { query: { hidden: 'false' } } }))).body.value.items).toEqual([]);
    const swift = await send(
      c.http.GET('/Transfers/type', { params: { query: { recipientAccount: US_IBANLESS.accountNumber, currency: 'USD' } } }),
    );
    expect(swift.body.value).toMatchObject({ type: 'Swift', fee: '15.00' });
  });
});

describe('incoming transfers', () => {
  const report = (body: Omit<Schemas['IncomingRequest'], 'currency'>) =>
    send(http().POST('/internal/IncomingRequests', { body: { currency: 'EUR', senderName: 'ACME', ...body } }));

  it('credits a matched account once, however often the provider reports it (also concurrently)', async () => {
    const c = await customer('0.00');
    const account = (await send(http().GET('/v2/ledger/internal/Accounts/{accountId}', { params: { path: { accountId: c.id } } }))).body
      .value;
    const providerReference = `PR-${randomUUID()}`;
    const body = { providerReference, amount: '12.34', receiverAccountNumber: account.accountNumber };
    const first = await report(body);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body.value).toMatchObject({ direction: 'incoming', status: 'Completed', clientId: c.clientId, accountId: c.id });
    const replays = await Promise.all(Array.from({ length: 10 }, () => report(body)));
    expect(new Set(replays.map((r) => r.status))).toEqual(new Set([202]));
    expect(new Set(replays.map((r) => r.body.value.id))).toEqual(new Set([first.body.value.id]));
    expect(await balances(api(), c.id)).toMatchObject({ balance: '12.34' });
    const entries = await transactionsOf(first.body.value.id);
    expect(entries.body.value.items).toHaveLength(1);
    expect((await send(c.http.GET('/Transfers', { params: { query: { direction: 'incoming' } } }))).body.value.items).toHaveLength(1);
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
    const entriesOfTransfer = async () => (await transactionsOf(id)).body.value.items;
    expect(await entriesOfTransfer()).toEqual([expect.objectContaining({ type: 'posted', creditAccountId: suspense.id, amount: '7.00' })]);
    expect(
      (await send(http().POST('/internal/Transfers/incoming/{transferId}/assign', { ...path(id), body: { accountId: c.id } }))).status,
    ).toBe(403);
    const assigned = await send(
      ops().POST('/internal/Transfers/incoming/{transferId}/assign', { ...path(id), body: { accountId: c.id, note: 'matched by name' } }),
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
    // A repeat to the same account (a retry whose first answer was lost) is 200 and moves nothing;
    // the same money to another account is refused.
    const again = await send(ops().POST('/internal/Transfers/incoming/{transferId}/assign', { ...path(id), body: { accountId: c.id } }));
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.value).toMatchObject({ status: 'Completed', accountId: c.id });
    const other = await customer('0.00');
    const elsewhere = await send(
      ops().POST('/internal/Transfers/incoming/{transferId}/assign', { ...path(id), body: { accountId: other.id } }),
    );
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.errors[0].metadata.code).toBe('INVALID_STATE_TRANSITION');
    expect(await entriesOfTransfer()).toHaveLength(2);
  });
});
