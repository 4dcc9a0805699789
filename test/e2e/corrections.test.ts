import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestApi } from '../support/api';
import { token } from '../support/api';
import { balances, internalAccount, lastCode, openAccount } from '../support/bankFixtures';
import { expectEventsMatchStatuses } from '../support/invariants';
import { useTestApi } from '../support/suite';

// The back office over HTTP (in-process app, real Postgres, Temporal and worker): reversals,
// four-eyes approvals and returned outgoing transfers, each row of the contract.
const api = useTestApi();
// Approvals that expire in 2 s, and returns that refund the fee (RETURN_REFUNDS_FEE=true).
const short = useTestApi({ backOffice: { approvalTtlMs: 2_000, returnRefundsFee: true } });

const ops = (a: TestApi) => ({ token: a.tokens.ops });
const otherOps = async () => ({ token: await token('ops', `approver-${randomUUID()}`) });

async function postedPayment(a: TestApi, amount: string, funding = '5000.00') {
  const payer = await openAccount(a, 'EUR', funding);
  const payee = await openAccount(a, 'EUR');
  const res = await a.post('/internal/Payments', {
    debitAccountId: payer.id,
    creditAccountId: payee.id,
    amount,
    currency: 'EUR',
    description: 'invoice 7',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { payer, payee, payment: res.body.value as { id: string; transactions: { id: string }[] } };
}

async function completedTransfer(a: TestApi, amount: string) {
  const account = await openAccount(a, 'EUR', '500.00');
  const bearer = await token('client', account.clientId);
  const created = await a.post(
    '/Transfers/outgoing',
    {
      accountId: account.id,
      amount,
      currency: 'EUR',
      reference: 'rent',
      recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
    },
    { token: bearer },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.value.id as string;
  const confirmed = await a.put(`/Transfers/outgoing/${id}/confirm`, { code: await lastCode(a, account.clientId) }, { token: bearer });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await a.get(`/internal/Transfers/outgoing/${id}`);
    if (res.body.value.status === 'Completed') break;
    if (Date.now() > deadline) throw new Error(`transfer ${id} is ${res.body.value.status}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return { account, id };
}

const code = (res: { body: { errors: { metadata: { code: string } }[] } }) => res.body.errors[0]?.metadata.code;

describe('reversal of a posted payment', () => {
  it('partial, then the rest: linked entries, reversedAmount, Reversed, event and audit', async () => {
    const { payer, payee, payment } = await postedPayment(api(), '100.00');
    const original = payment.transactions[0]?.id;

    const part = await api().post(
      `/internal/Payments/${payment.id}/reverse`,
      { reason: 'wrong amount', note: 'ticket 12', amount: '30.00' },
      ops(api()),
    );
    expect(part.status, JSON.stringify(part.body)).toBe(200);
    expect(part.body.value).toMatchObject({ status: 'Posted', reversedAmount: '30.00' });
    const reversal = part.body.value.transactions.find((t: { reversalOf: string | null }) => t.reversalOf !== null);
    expect(reversal).toMatchObject({
      debitAccountId: payee.id,
      creditAccountId: payer.id,
      amount: '30.00',
      reversalOf: original,
      description: `Reversal of payment ${payment.id}: wrong amount`,
    });
    expect((await balances(api(), payee.id)).balance).toBe('70.00');

    const tooMuch = await api().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'again', amount: '70.01' }, ops(api()));
    expect(tooMuch.status).toBe(422);
    expect(code(tooMuch)).toBe('VALIDATION_ERROR');

    const rest = await api().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'cancelled order' }, ops(api()));
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(rest.body.value).toMatchObject({ status: 'Reversed', reversedAmount: '100.00' });
    expect((await balances(api(), payee.id)).balance).toBe('0.00');
    expect((await balances(api(), payer.id)).balance).toBe('5000.00');

    const again = await api().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'once more' }, ops(api()));
    expect(again.status).toBe(422);
    expect(code(again)).toBe('INVALID_STATE_TRANSITION');

    const events = await api().get(`/internal/Events?aggregateId=${payment.id}&types=payment.reversed`);
    expect(events.body.value.items.map((e: { data: { reversedAmount: string } }) => e.data.reversedAmount)).toEqual(['30.00', '100.00']);
    const audit = await api().sql<{ action: string; actorSub: string; note: string }[]>`
      SELECT action, actor_sub, note FROM audit_log WHERE resource_id = ${payment.id} ORDER BY seq`;
    expect(audit).toEqual([
      // The system's payment itself (every system or ops action that moves money is audited).
      { action: 'payment.created', actorSub: 'test-system', note: null },
      { action: 'payment.reversed', actorSub: 'test-ops', note: 'wrong amount: ticket 12' },
      { action: 'payment.reversed', actorSub: 'test-ops', note: 'cancelled order' },
    ]);
    await expectEventsMatchStatuses(api().sql);
  });

  it('refusals: system token 403, no reason 400, not Posted 422, unknown 404, payee cannot pay it back 422 INSUFFICIENT_FUNDS', async () => {
    const { payee, payment } = await postedPayment(api(), '50.00');
    expect((await api().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'x' })).status).toBe(403);
    expect((await api().post(`/internal/Payments/${payment.id}/reverse`, {}, ops(api()))).status).toBe(400);
    expect((await api().post(`/internal/Payments/${randomUUID()}/reverse`, { reason: 'x' }, ops(api()))).status).toBe(404);

    const draft = await api().post('/internal/Payments/draft', {
      debitAccountId: payee.id,
      creditAccountId: (await openAccount(api(), 'EUR')).id,
      amount: '1.00',
      currency: 'EUR',
    });
    const notPosted = await api().post(`/internal/Payments/${draft.body.value.id}/reverse`, { reason: 'x' }, ops(api()));
    expect(notPosted.status).toBe(422);
    expect(notPosted.body.errors[0].metadata).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'Draft' });

    // The payee spends most of it: the reversal cannot take back what is not there.
    const spend = await api().post('/internal/Payments', {
      debitAccountId: payee.id,
      creditAccountId: (await internalAccount(api(), 'EUR', 'settlement')).id,
      amount: '45.00',
      currency: 'EUR',
    });
    expect(spend.status).toBe(201);
    const broke = await api().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'x' }, ops(api()));
    expect(broke.status).toBe(422);
    expect(code(broke)).toBe('INSUFFICIENT_FUNDS');
    expect((await api().get(`/internal/Payments/${payment.id}`)).body.value).toMatchObject({ status: 'Posted', reversedAmount: '0.00' });
  });

  it('two reversals at once never take back more than the payment', async () => {
    const { payee, payment } = await postedPayment(api(), '10.00');
    const results = await Promise.all(
      [1, 2, 3].map(() => api().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'race', amount: '6.00' }, ops(api()))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422]);
    expect((await api().get(`/internal/Payments/${payment.id}`)).body.value.reversedAmount).toBe('6.00');
    expect((await balances(api(), payee.id)).balance).toBe('4.00');
  });
});

describe('four eyes', () => {
  it('a reversal at or above the threshold waits; the requester cannot approve; two approvers at once run it once', async () => {
    const { payee, payment } = await postedPayment(api(), '1000.00');
    const asked = await api().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'duplicate' }, ops(api()));
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body.value).toMatchObject({
      status: 'pending',
      action: 'payment.reverse',
      requestedBy: { role: 'ops', sub: 'test-ops' },
      request: { paymentId: payment.id, amount: '1000.00', reason: 'duplicate' },
    });
    const approvalId = asked.body.value.approvalId as string;
    expect((await balances(api(), payee.id)).balance).toBe('1000.00');
    const listed = await api().get('/internal/Approvals?status=pending&limit=500');
    expect(listed.body.value.items.map((a: { approvalId: string }) => a.approvalId)).toContain(approvalId);

    const self = await api().post(`/internal/Approvals/${approvalId}/approve`, undefined, ops(api()));
    expect(self.status).toBe(403);
    expect(code(self)).toBe('FORBIDDEN');
    expect((await api().post(`/internal/Approvals/${approvalId}/approve`)).status).toBe(403); // a system token

    const [a, b] = await Promise.all([otherOps(), otherOps()]);
    const both = await Promise.all([
      api().post(`/internal/Approvals/${approvalId}/approve`, undefined, a),
      api().post(`/internal/Approvals/${approvalId}/approve`, undefined, b),
    ]);
    for (const res of both) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.value).toMatchObject({ status: 'approved', result: { paymentId: payment.id, error: null } });
      expect(res.body.value.result.payment).toMatchObject({ status: 'Reversed', reversedAmount: '1000.00' });
    }
    expect((await balances(api(), payee.id)).balance).toBe('0.00');
    const entries = await api().sql`SELECT 1 FROM journal_entries WHERE payment_id = ${payment.id} AND reversal_of IS NOT NULL`;
    expect(entries.length).toBe(1);

    // A retried approve answers the same; a reject now is 422.
    const retried = await api().post(`/internal/Approvals/${approvalId}/approve`, undefined, a);
    expect(retried.status).toBe(200);
    expect(retried.body.value).toMatchObject({ status: 'approved', decidedBy: both[0]?.body.value.decidedBy });
    const reject = await api().post(`/internal/Approvals/${approvalId}/reject`, { reason: 'no' }, a);
    expect(reject.status).toBe(422);
    expect(code(reject)).toBe('INVALID_STATE_TRANSITION');

    const audit = await api().sql<{ action: string }[]>`SELECT action FROM audit_log WHERE resource_id = ${approvalId} ORDER BY seq`;
    expect(audit.map((r) => r.action)).toEqual(['approval.requested', 'approval.approved']);
  });

  it('an ops payment that debits a client account at the threshold waits; rejected, nothing moves', async () => {
    const payer = await openAccount(api(), 'EUR', '3000.00');
    const payee = await openAccount(api(), 'EUR');
    const body = {
      debitAccountId: payer.id,
      creditAccountId: payee.id,
      amount: '1000.00',
      currency: 'EUR',
      description: 'manual',
      note: 'case 1',
    };
    const asked = await api().post('/internal/Payments', body, ops(api()));
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body.value).toMatchObject({ status: 'pending', action: 'payment.create', requestedBy: { sub: 'test-ops' } });
    // Below the threshold, or with a system token, it moves at once.
    expect((await api().post('/internal/Payments', { ...body, amount: '999.99' }, ops(api()))).status).toBe(201);
    expect((await api().post('/internal/Payments', body)).status).toBe(201);

    const approvalId = asked.body.value.approvalId as string;
    const rejected = await api().post(`/internal/Approvals/${approvalId}/reject`, { reason: 'not ordered' }, await otherOps());
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body.value).toMatchObject({ status: 'rejected', rejectReason: 'not ordered', result: null });
    const approve = await api().post(`/internal/Approvals/${approvalId}/approve`, undefined, await otherOps());
    expect(approve.status).toBe(422);
    expect((await balances(api(), payee.id)).balance).toBe('1999.99');
  });

  it('approved ops payment is created once, with the payment in the result', async () => {
    const payer = await openAccount(api(), 'EUR', '3000.00');
    const payee = await openAccount(api(), 'EUR');
    const asked = await api().post(
      '/internal/Payments',
      { debitAccountId: payer.id, creditAccountId: payee.id, amount: '2500.00', currency: 'EUR', description: 'manual', note: 'case 2' },
      ops(api()),
    );
    expect(asked.status).toBe(202);
    const approved = await api().post(`/internal/Approvals/${asked.body.value.approvalId}/approve`, undefined, await otherOps());
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.value.result.payment).toMatchObject({ status: 'Posted', amount: '2500.00', debitAccountId: payer.id });
    expect((await balances(api(), payee.id)).balance).toBe('2500.00');
    const got = await api().get(`/internal/Approvals/${asked.body.value.approvalId}`);
    expect(got.body.value.result.paymentId).toBe(approved.body.value.result.paymentId);
    expect((await api().get(`/internal/Approvals/${randomUUID()}`)).status).toBe(404);
  });

  it('a pending approval expires (audited) and can no longer be approved', async () => {
    const { payment } = await postedPayment(short(), '1500.00');
    const asked = await short().post(`/internal/Payments/${payment.id}/reverse`, { reason: 'late' }, ops(short()));
    expect(asked.status).toBe(202);
    const approvalId = asked.body.value.approvalId as string;
    const deadline = Date.now() + 20_000;
    while ((await short().get(`/internal/Approvals/${approvalId}`)).body.value.status === 'pending' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await short().get(`/internal/Approvals/${approvalId}`)).body.value.status).toBe('expired');
    const late = await short().post(`/internal/Approvals/${approvalId}/approve`, undefined, await otherOps());
    expect(late.status).toBe(422);
    const audit = await short().sql<{ action: string }[]>`SELECT action FROM audit_log WHERE resource_id = ${approvalId} ORDER BY seq`;
    expect(audit.map((r) => r.action)).toEqual(['approval.requested', 'approval.expired']);
    expect((await short().get(`/internal/Payments/${payment.id}`)).body.value.status).toBe('Posted');
  });
});

describe('returned outgoing transfers', () => {
  it('booked back from settlement to the client, idempotent on providerReference, fee kept by default', async () => {
    const { account, id } = await completedTransfer(api(), '40.00');
    expect((await balances(api(), account.id)).balance).toBe('459.50');
    const providerReference = `RET-${randomUUID()}`;
    const report = { providerReference, amount: '40.00', reason: 'account closed at the beneficiary bank' };

    expect((await api().post(`/internal/Transfers/outgoing/${id}/returned`, report, ops(api()))).status).toBe(403);
    expect((await api().post(`/internal/Transfers/outgoing/${id}/returned`, { ...report, amount: '40.01' })).status).toBe(422);

    const [first, second] = await Promise.all([
      api().post(`/internal/Transfers/outgoing/${id}/returned`, report),
      api().post(`/internal/Transfers/outgoing/${id}/returned`, report),
    ]);
    for (const res of [first, second]) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.value).toMatchObject({ status: 'Returned', returnReason: report.reason, returnedAmount: '40.00' });
    }
    expect((await balances(api(), account.id)).balance).toBe('499.50');
    const entries = (await api().get(`/internal/Transactions?transferId=${id}&limit=50`)).body.value.items as { description: string }[];
    expect(entries.filter((e) => e.description.startsWith(`Return of transfer ${id}: `))).toHaveLength(1);
    // The holder's statement says what came back and why.
    const today = new Date().toISOString().slice(0, 10);
    const statement = (await api().get(`/internal/Transactions/report?accountId=${account.id}&from=${today}&to=${today}`)).body.value;
    const returnLine = statement.entries.find(
      (e: { credit: string; transferId: string | null }) => e.transferId === id && e.credit === '40.00',
    );
    expect(returnLine).toMatchObject({
      description: `Returned: the transfer to Jane Roe: ${report.reason}`,
      counterparty: { name: 'Jane Roe', iban: 'DE89370400440532013000' },
    });

    const other = await api().post(`/internal/Transfers/outgoing/${id}/returned`, { ...report, providerReference: `RET-${randomUUID()}` });
    expect(other.status).toBe(422);
    expect(code(other)).toBe('INVALID_STATE_TRANSITION');
    const events = await api().get(`/internal/Events?aggregateId=${id}&types=transfer.returned`);
    expect(events.body.value.items).toHaveLength(1);
    const audit = await api().sql<{ action: string }[]>`SELECT action FROM audit_log WHERE resource_id = ${id}`;
    expect(audit.map((r) => r.action)).toEqual(['transfer.returned']);
  });

  it('not Completed: 422; unknown: 404; RETURN_REFUNDS_FEE=true gives the fee back', async () => {
    expect(
      (await short().post(`/internal/Transfers/outgoing/${randomUUID()}/returned`, { providerReference: 'X', amount: '1', reason: 'r' }))
        .status,
    ).toBe(404);
    // A transfer still waiting for its code is not Completed: 422, nothing moves.
    const waiting = await openAccount(short(), 'EUR', '50.00');
    const created = await short().post(
      '/Transfers/outgoing',
      {
        accountId: waiting.id,
        amount: '10.00',
        currency: 'EUR',
        reference: 'r',
        recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
      { token: await token('client', waiting.clientId) },
    );
    expect(created.status).toBe(201);
    const early = await short().post(`/internal/Transfers/outgoing/${created.body.value.id}/returned`, {
      providerReference: `RET-${randomUUID()}`,
      amount: '10.00',
      reason: 'r',
    });
    expect(early.status).toBe(422);
    expect(early.body.errors[0].metadata).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'PendingConfirmation' });
    const { account, id } = await completedTransfer(short(), '20.00');
    const res = await short().post(`/internal/Transfers/outgoing/${id}/returned`, {
      providerReference: `RET-${randomUUID()}`,
      amount: '20.00',
      reason: 'refused',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await balances(short(), account.id)).balance).toBe('500.00');
  });
});
