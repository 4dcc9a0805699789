import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newId } from '../../domain/ids';
import { recordEntry } from '../../ledger/journal';
import { insertPayment } from '../../store/payments';
import { balances, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi();

/** What the interleaving bug left behind: a Cancelled payment whose hold was never voided. */
async function strandedPayment(debitAccountId: string, creditAccountId: string) {
  const paymentId = newId();
  await insertPayment(api().sql, {
    id: paymentId,
    debitAccountId,
    creditAccountId,
    amount: 500n,
    currency: 'EUR',
    description: null,
    reference: null,
    status: 'Cancelled',
    holdExpiresAt: null,
  });
  const hold = await recordEntry(api().sql, {
    kind: 'pending',
    id: newId(),
    debitAccountId,
    creditAccountId,
    amount: 500n,
    currency: 'EUR',
    paymentId,
  });
  return { paymentId, pendingId: hold.id };
}

describe('stranded holds: found and released by ops, audited', () => {
  it('lists a hold left on a finished payment, releases it once, and the money is available again', async () => {
    const a = await openAccount(api(), 'EUR', '20.00');
    const b = await openAccount(api(), 'EUR');
    const { paymentId, pendingId } = await strandedPayment(a.id, b.id);
    expect(await balances(api(), a.id)).toMatchObject({ held: '5.00', available: '15.00' });

    // A scrape under load may time out its queries (corebank_business_metrics_up 0, series left out): scrape again.
    let strandedMetric = Number.NaN;
    for (let i = 0; i < 5 && !(strandedMetric >= 1); i++) {
      const metrics = await api().get('/metrics');
      strandedMetric = Number(/^corebank_stranded_holds (\d+)$/m.exec(metrics.text)?.[1]);
    }
    expect(strandedMetric).toBeGreaterThanOrEqual(1);
    const listed = await api().get('/internal/Holds/stranded?limit=500');
    expect(listed.status).toBe(200);
    expect(listed.body.value.items).toContainEqual(
      expect.objectContaining({ pendingId, paymentId, accountId: a.id, amount: '5.00', ownerStatus: 'Cancelled' }),
    );

    const path = `/internal/Holds/${pendingId}/release`;
    expect((await api().post(path, { note: 'stranded by the interleaving bug' })).status).toBe(403); // system may not
    expect((await api().post(path, {}, { token: api().tokens.ops })).status).toBe(400); // the note is required
    const released = await api().post(path, { note: 'stranded by the interleaving bug' }, { token: api().tokens.ops });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body.value).toMatchObject({ pendingId, paymentId, actor: 'ops:test-ops', note: 'stranded by the interleaving bug' });
    const again = await api().post(path, { note: 'again' }, { token: api().tokens.ops });
    expect(again.status).toBe(200);
    expect(again.body.value).toEqual(released.body.value);

    expect(await balances(api(), a.id)).toMatchObject({ held: '0.00', available: '20.00' });
    const voids = await api().sql`SELECT id FROM journal_entries WHERE pending_id = ${pendingId}`;
    expect(voids.map((v) => v.id)).toEqual([released.body.value.voidId]);
    const after = (await api().get('/internal/Holds/stranded?limit=500')).body.value.items as { pendingId: string }[];
    expect(after.map((h) => h.pendingId)).not.toContain(pendingId);
  });

  it('lists a hold whose payment still looks live but whose workflow has ended, whatever the read model says', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const draft = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '3',
      currency: 'EUR',
    });
    const id = draft.body.value.id;
    expect((await api().post(`/internal/Payments/${id}/pend`)).status).toBe(200);
    const [hold] = await api().sql<{ id: string }[]>`SELECT id FROM journal_entries WHERE payment_id = ${id} AND kind = 'pending'`;
    const listed = async () =>
      ((await api().get('/internal/Holds/stranded?limit=500')).body.value.items as { pendingId: string }[]).map((h) => h.pendingId);
    expect(await listed()).not.toContain(hold?.id);

    // A run that ended holding money (what docs/api.md forbids; here by hand): the read model still says Pending.
    await api().temporal.workflow.getHandle(`payment-${id}`).terminate('test: a run that ended holding money');
    expect((await api().get(`/internal/Payments/${id}`)).body.value.status).toBe('Pending');
    const items = (await api().get('/internal/Holds/stranded?limit=500')).body.value.items as { pendingId: string; ownerStatus: string }[];
    expect(items).toContainEqual(expect.objectContaining({ pendingId: hold?.id, ownerStatus: 'Pending (workflow ended)' }));
    const released = await api().post(`/internal/Holds/${hold?.id}/release`, { note: 'run terminated' }, { token: api().tokens.ops });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(await balances(api(), a.id)).toMatchObject({ held: '0.00', available: '10.00' });
    expect(await listed()).not.toContain(hold?.id);
  });

  it('refuses to release a hold its payment still owns (422) and an unknown one (404)', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const draft = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '4',
      currency: 'EUR',
    });
    const id = draft.body.value.id;
    expect((await api().post(`/internal/Payments/${id}/pend`)).status).toBe(200);
    const [hold] = await api().sql<{ id: string }[]>`SELECT id FROM journal_entries WHERE payment_id = ${id} AND kind = 'pending'`;
    const live = await api().post(`/internal/Holds/${hold?.id}/release`, { note: 'no' }, { token: api().tokens.ops });
    expect(live.status).toBe(422);
    expect(live.body.errors[0].metadata).toMatchObject({ code: 'INVALID_STATE_TRANSITION', action: 'release' });
    const unknown = await api().post(`/internal/Holds/${randomUUID()}/release`, { note: 'no' }, { token: api().tokens.ops });
    expect(unknown.status).toBe(404);
    expect((await api().post(`/internal/Payments/${id}/cancel`)).status).toBe(200);
  });
});
