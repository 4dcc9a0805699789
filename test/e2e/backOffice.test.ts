import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { balances, lastCode, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

/**
 * The back office's accountability (issue #26): who started each payment and transfer, the audit
 * log written with every system or ops action, the client's block history, and statements a
 * client can read. Everything over HTTP against the real stack.
 */
const api = useTestApi();

const GERMAN_IBAN = 'DE89370400440532013000';

/** An ops user of its own per test, so the audit log's `actor` filter sees only this test's actions. */
async function opsUser(name = 'mallory') {
  const sub = `${name}-${randomUUID().slice(0, 8)}`;
  return { sub, as: { token: await token('ops', sub) } };
}

async function auditOf(query: string) {
  const res = await api().get(`/internal/AuditLog?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.value.items as {
    id: string;
    at: string;
    actor: { role: string; sub: string };
    action: string;
    resourceType: string;
    resourceId: string;
    note: string | null;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
  }[];
}

async function statementOf(accountId: string) {
  const today = new Date().toISOString().slice(0, 10);
  const res = await api().get(`/internal/Transactions/report?accountId=${accountId}&from=${today}&to=${today}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.value;
}

async function statementCsv(accountId: string) {
  const today = new Date().toISOString().slice(0, 10);
  const res = await api().app.request(`/internal/Transactions/report.csv?accountId=${accountId}&from=${today}&to=${today}`, {
    headers: { authorization: `Bearer ${api().tokens.system}` },
  });
  expect(res.status).toBe(200);
  return (await res.text()).trim().split('\r\n');
}

async function waitForTransfer(direction: string, id: string, status: string) {
  await expect
    .poll(async () => (await api().get(`/internal/Transfers/${direction}/${id}`)).body.value.status, { timeout: 30_000, interval: 200 })
    .toBe(status);
  return (await api().get(`/internal/Transfers/${direction}/${id}`)).body.value;
}

describe('who did it', () => {
  it('an ops payment needs a note; payments record createdBy and the note; each step is audited with its actor', async () => {
    const mallory = await opsUser();
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const body = { debitAccountId: a.id, creditAccountId: b.id, amount: '12.34', currency: 'EUR' };

    const noNote = await api().post('/internal/Payments', body, mallory.as);
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors[0].metadata).toMatchObject({ code: 'VALIDATION_ERROR', field: 'note' });
    expect((await api().post('/internal/Payments', { ...body, note: '   ' }, mallory.as)).status).toBe(400);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '100.00' });

    const paid = await api().post('/internal/Payments', { ...body, note: 'refund of ticket 42' }, mallory.as);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.value).toMatchObject({ status: 'Posted', createdBy: { role: 'ops', sub: mallory.sub }, note: 'refund of ticket 42' });
    expect((await api().get(`/internal/Payments/${paid.body.value.id}`)).body.value).toMatchObject({
      createdBy: { role: 'ops', sub: mallory.sub },
      note: 'refund of ticket 42',
    });

    // A system payment needs no note and is recorded as the system's.
    const bySystem = await api().post('/internal/Payments', { ...body, amount: '1.00' });
    expect(bySystem.status).toBe(201);
    expect(bySystem.body.value).toMatchObject({ createdBy: { role: 'system', sub: 'test-system' }, note: null });

    // A draft by mallory: pend and post by another ops user, each step audited in its own name.
    const other = await opsUser('olivia');
    const draft = await api().post('/internal/Payments/draft', { ...body, amount: '2.00', note: 'manual correction' }, mallory.as);
    expect(draft.status).toBe(201);
    const id = draft.body.value.id as string;
    expect((await api().post(`/internal/Payments/${id}/pend`, {}, other.as)).status).toBe(200);
    expect((await api().post(`/internal/Payments/${id}/post`, undefined, other.as)).status).toBe(200);
    // A repeated post changes nothing and records nothing.
    expect((await api().post(`/internal/Payments/${id}/post`, undefined, other.as)).status).toBe(200);

    const log = await auditOf(`resourceType=payment&resourceId=${id}`);
    expect(log.map((e) => [e.action, e.actor.sub, e.before?.status ?? null, e.after?.status])).toEqual([
      ['payment.posted', other.sub, 'Pending', 'Posted'],
      ['payment.pending', other.sub, 'Draft', 'Pending'],
      ['payment.created', mallory.sub, null, 'Draft'],
    ]);
    expect(log[2]).toMatchObject({ actor: { role: 'ops', sub: mallory.sub }, note: 'manual correction' });
    const byMallory = await auditOf(`actor=${mallory.sub}`);
    expect(byMallory.map((e) => [e.action, e.resourceId])).toEqual([
      ['payment.created', id],
      ['payment.created', paid.body.value.id],
    ]);

    // A cancel is audited with its reason; the client's statement line carries the note, never an empty description.
    const toCancel = await api().post('/internal/Payments/draft', { ...body, amount: '3.00', note: 'typo' }, mallory.as);
    expect((await api().post(`/internal/Payments/${toCancel.body.value.id}/cancel`, { reason: 'wrong amount' }, other.as)).status).toBe(
      200,
    );
    expect((await auditOf(`resourceId=${toCancel.body.value.id}`))[0]).toMatchObject({
      action: 'payment.cancelled',
      actor: { role: 'ops', sub: other.sub },
      note: 'wrong amount',
    });
    const s = await statementOf(a.id);
    const line = s.entries.find((e: { paymentId: string }) => e.paymentId === paid.body.value.id);
    expect(line.description).toBe('Payment to Grace Hopper: refund of ticket 42');
    for (const e of s.entries) expect(e.description).not.toBe('');

    // From a page to the next, newest first, with the repository's cursor.
    const first = await api().get(`/internal/AuditLog?actor=${mallory.sub}&limit=2`);
    expect(first.body.value.items).toHaveLength(2);
    const next = await api().get(`/internal/AuditLog?actor=${mallory.sub}&limit=2&cursor=${first.body.value.nextCursor}`);
    expect(next.body.value.items.map((e: { action: string }) => e.action)).toEqual(['payment.created']);
    expect(next.body.value.nextCursor).toBeNull();
    // Time filters: nothing of this actor before the test began.
    expect(await auditOf(`actor=${mallory.sub}&to=2020-01-01T00:00:00Z`)).toEqual([]);
    // A client token cannot read the audit log.
    expect((await api().get('/internal/AuditLog', { token: await token('client', a.clientId) })).status).toBe(403);
  });

  it('a refused action leaves no audit record: the record is in the transaction of the action', async () => {
    const mallory = await opsUser();
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    // Refused by the ledger (more than the balance): no payment, no record.
    const tooMuch = await api().post(
      '/internal/Payments',
      { debitAccountId: a.id, creditAccountId: b.id, amount: '10.01', currency: 'EUR', note: 'try' },
      mallory.as,
    );
    expect(tooMuch.status).toBe(422);
    expect(await auditOf(`actor=${mallory.sub}`)).toEqual([]);

    // Refused inside the activity's ledger transaction (the debit account is blocked by then): the post's record rolls back with it.
    const draft = await api().post(
      '/internal/Payments/draft',
      { debitAccountId: a.id, creditAccountId: b.id, amount: '4.00', currency: 'EUR', note: 'held first' },
      mallory.as,
    );
    const id = draft.body.value.id as string;
    expect((await api().post(`/internal/Payments/${id}/pend`, {}, mallory.as)).status).toBe(200);
    expect((await api().put(`/internal/Accounts/${a.id}/block`, { reason: 'investigation' }, mallory.as)).status).toBe(200);
    const refused = await api().post(`/internal/Payments/${id}/post`, undefined, mallory.as);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].metadata.code).toBe('ACCOUNT_NOT_ACTIVE');
    expect((await auditOf(`resourceId=${id}`)).map((e) => e.action)).toEqual(['payment.pending', 'payment.created']);
    expect((await auditOf(`resourceType=account&resourceId=${a.id}`)).map((e) => [e.action, e.note, e.after])).toEqual([
      ['account.blocked', 'investigation', { status: 'blocked' }],
    ]);
    // Blocking again changes nothing and records nothing; unblocking is recorded; then the post goes through.
    expect((await api().put(`/internal/Accounts/${a.id}/block`, undefined, mallory.as)).status).toBe(200);
    expect((await api().put(`/internal/Accounts/${a.id}/unblock`, undefined, mallory.as)).status).toBe(200);
    expect((await auditOf(`resourceType=account&resourceId=${a.id}`)).map((e) => e.action)).toEqual([
      'account.unblocked',
      'account.blocked',
    ]);
    expect((await api().post(`/internal/Payments/${id}/post`, undefined, mallory.as)).status).toBe(200);
    expect((await auditOf(`resourceId=${id}`)).map((e) => e.action)).toEqual(['payment.posted', 'payment.pending', 'payment.created']);
  });
});

describe('block history', () => {
  it('block then unblock keeps every change with its reason and actor; limits changes are audited', async () => {
    const mallory = await opsUser();
    const { clientId } = await openAccount(api(), 'EUR');
    expect((await api().put(`/internal/Clients/${clientId}/block`, { reason: 'fraud suspected' }, mallory.as)).status).toBe(200);
    expect((await api().get(`/internal/Clients/${clientId}/status`)).body.value).toMatchObject({
      status: 'blocked',
      reason: 'fraud suspected',
    });
    expect((await api().put(`/internal/Clients/${clientId}/unblock`, { reason: 'cleared by compliance' })).status).toBe(200);
    // A repeat of the unblock is idempotent: no new history.
    expect((await api().put(`/internal/Clients/${clientId}/unblock`)).status).toBe(200);

    const status = (await api().get(`/internal/Clients/${clientId}/status`)).body.value;
    expect(status.status).toBe('active');
    expect(status.reason).toBe('cleared by compliance');
    expect(status.history.map((h: { status: string; reason: string; actor: unknown }) => [h.status, h.reason, h.actor])).toEqual([
      ['blocked', 'fraud suspected', { role: 'ops', sub: mallory.sub }],
      ['active', 'cleared by compliance', { role: 'system', sub: 'test-system' }],
    ]);
    expect(Date.parse(status.history[0].at)).toBeLessThanOrEqual(Date.parse(status.history[1].at));

    const log = await auditOf(`resourceType=client&resourceId=${clientId}`);
    expect(log.map((e) => [e.action, e.actor.sub, e.before, e.after])).toEqual([
      [
        'client.unblocked',
        'test-system',
        { status: 'blocked', reason: 'fraud suspected' },
        { status: 'active', reason: 'cleared by compliance' },
      ],
      ['client.blocked', mallory.sub, { status: 'active', reason: null }, { status: 'blocked', reason: 'fraud suspected' }],
    ]);

    const limits = { EUR: { perTransfer: '500.00', daily: '1000.00' } };
    expect((await api().put(`/internal/Clients/${clientId}`, { limits }, mallory.as)).status).toBe(200);
    // The same limits again change nothing: no record.
    expect((await api().put(`/internal/Clients/${clientId}`, { limits }, mallory.as)).status).toBe(200);
    const changes = (await auditOf(`resourceId=${clientId}&actor=${mallory.sub}`)).filter((e) => e.action === 'client.limits_changed');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ before: { limits: {} }, after: { limits } });
  });
});

describe('transfers: createdBy and the ops actions in the audit log', () => {
  it('an incoming request is recorded as the system, its return as the ops user', async () => {
    const mallory = await opsUser();
    const incoming = await api().post('/internal/IncomingRequests', {
      providerReference: `PR-${randomUUID()}`,
      amount: '7.50',
      currency: 'EUR',
      senderName: 'ACME',
      senderIban: GERMAN_IBAN,
      receiverIban: 'DE02120300000000202051',
    });
    expect(incoming.status).toBe(202);
    const id = incoming.body.value.id as string;
    expect((await api().get(`/internal/Transfers/incoming/${id}`)).body.value.createdBy).toEqual({ role: 'system', sub: 'test-system' });
    expect((await api().post(`/internal/Transfers/incoming/${id}/return`, { reason: 'no such beneficiary' }, mallory.as)).status).toBe(200);
    expect((await auditOf(`resourceType=transfer&resourceId=${id}`)).map((e) => [e.action, e.actor, e.note])).toEqual([
      ['transfer.return', { role: 'ops', sub: mallory.sub }, 'no such beneficiary'],
      ['transfer.unrecognized', { role: 'system', sub: 'test-system' }, null],
    ]);
  });
});

describe('statements a client can read', () => {
  it('a transfer, its fee, an FX exchange, an incoming payment and a payment: who, reference, rate; CSV equals JSON; held and available', async () => {
    const mallory = await opsUser();
    const eur = await openAccount(api(), 'EUR', '500.00');
    const usd = await api().post('/v2/internal/Accounts', { clientId: eur.clientId, currency: 'USD', purpose: 'current', name: 'Dollars' });
    expect(usd.status).toBe(201);
    const as = { token: await token('client', eur.clientId) };
    const eurAccount = (await api().get(`/v2/ledger/internal/Accounts/${eur.id}`)).body.value;
    const friend = await openAccount(api(), 'EUR');
    const friendAccount = (await api().get(`/v2/ledger/internal/Accounts/${friend.id}`)).body.value;

    // A SEPA transfer with a fee.
    const created = await api().post(
      '/Transfers/outgoing',
      {
        accountId: eur.id,
        amount: '100.00',
        currency: 'EUR',
        reference: 'INV-2026-001',
        recipient: { name: 'Jane Roe', iban: GERMAN_IBAN, country: 'DE', currency: 'EUR' },
      },
      as,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const transfer = created.body.value;
    expect(transfer.createdBy).toEqual({ role: 'client', sub: eur.clientId });
    expect(Number(transfer.fee)).toBeGreaterThan(0);
    const confirmed = await api().put(`/Transfers/outgoing/${transfer.id}/confirm`, { code: await lastCode(api(), eur.clientId) }, as);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    await waitForTransfer('outgoing', transfer.id, 'Completed');

    // An exchange to the client's own USD account.
    const fx = await api().post('/Transfers/fx', { sourceAccountId: eur.id, targetAccountId: usd.body.value.id, sellAmount: '50.00' }, as);
    expect(fx.status, JSON.stringify(fx.body)).toBe(201);
    const fxDone = await api().put(`/Transfers/fx/${fx.body.value.id}/confirm`, { code: await lastCode(api(), eur.clientId) }, as);
    expect(fxDone.body.value.status).toBe('Completed');

    // Money in from outside, and a payment by ops to another client.
    const inbound = await api().post('/internal/IncomingRequests', {
      providerReference: `PR-${randomUUID()}`,
      amount: '20.00',
      currency: 'EUR',
      senderName: 'ACME GmbH',
      senderIban: GERMAN_IBAN,
      receiverIban: eurAccount.iban,
      reference: 'salary',
    });
    expect(inbound.body.value.status).toBe('Completed');
    const paid = await api().post(
      '/internal/Payments',
      {
        debitAccountId: eur.id,
        creditAccountId: friend.id,
        amount: '10.00',
        currency: 'EUR',
        note: 'goodwill transfer',
        reference: 'CASE-7',
      },
      mallory.as,
    );
    expect(paid.status).toBe(201);
    // A hold open at the end of the statement.
    const held = await api().post('/internal/Payments/draft', {
      debitAccountId: eur.id,
      creditAccountId: friend.id,
      amount: '5.00',
      currency: 'EUR',
    });
    expect((await api().post(`/internal/Payments/${held.body.value.id}/pend`)).status).toBe(200);

    const s = await statementOf(eur.id);
    const fee = transfer.fee as string;
    const rate = fx.body.value.rate as string;
    const usdAccount = (await api().get(`/v2/ledger/internal/Accounts/${usd.body.value.id}`)).body.value;
    const view = s.entries.map((e: any) => [e.description, e.counterparty, e.reference, e.rate, e.debit, e.credit]);
    expect(view).toEqual([
      ['Payment received: funding', null, null, null, '0.00', '500.00'],
      ['Transfer to Jane Roe', { name: 'Jane Roe', iban: GERMAN_IBAN }, 'INV-2026-001', null, '100.00', '0.00'],
      ['Fee for the transfer to Jane Roe', null, 'INV-2026-001', null, fee, '0.00'],
      [`Exchange EUR to USD at ${rate}`, { name: 'Dollars', iban: usdAccount.iban }, null, rate, '50.00', '0.00'],
      ['Transfer from ACME GmbH', { name: 'ACME GmbH', iban: expect.stringMatching(/^DE89\*+3000$/) }, 'salary', null, '0.00', '20.00'],
      ['Payment to Grace Hopper: goodwill transfer', { name: 'Grace Hopper', iban: friendAccount.iban }, 'CASE-7', null, '10.00', '0.00'],
    ]);
    // Never one of the bank's internal accounts as the counterparty.
    const internals = await api().post('/v2/ledger/internal/Accounts/search', { kind: 'internal', currency: 'EUR' });
    const internalNumbers = new Set(
      internals.body.value.items.flatMap((a: { accountNumber: string; iban: string | null }) => [a.accountNumber, a.iban]),
    );
    for (const e of s.entries) {
      if (e.counterparty) expect(internalNumbers.has(e.counterparty.iban ?? e.counterparty.accountNumber)).toBe(false);
    }
    const closing = 500 - 100 - Number(fee) - 50 + 20 - 10;
    expect(s.closingBalance).toBe(closing.toFixed(2));
    expect(s.held).toBe('5.00');
    expect(s.available).toBe((closing - 5).toFixed(2));
    expect(await balances(api(), eur.id)).toMatchObject({ held: s.held, available: s.available });

    // The CSV says the same, with the counterparty and the reference after the description.
    const [header, ...rows] = await statementCsv(eur.id);
    expect(header).toBe('date,id,type,description,counterparty,counterpartyAccount,reference,debit,credit,balance');
    expect(rows).toHaveLength(s.entries.length);
    rows.forEach((row, i) => {
      const e = s.entries[i];
      expect(row).toBe(
        [
          e.createdAt,
          e.id,
          e.type,
          e.description,
          e.counterparty?.name ?? '',
          e.counterparty?.iban ?? e.counterparty?.accountNumber ?? '',
          e.reference ?? '',
          e.debit,
          e.credit,
          e.balance,
        ].join(','),
      );
    });

    // The other client reads the payment from the sender's side, and the settlement account never shows.
    const other = await statementOf(friend.id);
    expect(other.entries.map((e: any) => [e.description, e.counterparty])).toEqual([
      ['Payment received from Grace Hopper: goodwill transfer', { name: 'Grace Hopper', iban: eurAccount.iban }],
    ]);
    expect((await api().post(`/internal/Payments/${held.body.value.id}/cancel`)).status).toBe(200);
  });
});
