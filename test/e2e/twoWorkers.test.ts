import { describe, expect, it } from 'vitest';
import { balances, openAccount } from '../support/bankFixtures';
import { useOwnWorkers, useTestApi } from '../support/suite';

// Two workers on one queue, as the production shape runs them; one is killed mid-run.
const workers = useOwnWorkers(2);
const api = useTestApi({ taskQueue: workers.taskQueue, workflowWaitMs: 50_000 });

const PAYMENTS = 30;

describe('two workers, one killed in the middle of a run', () => {
  it('loses nothing: every payment ends posted exactly once, by the worker left', async () => {
    const payer = await openAccount(api(), 'EUR', `${PAYMENTS}.00`);
    const payee = await openAccount(api(), 'EUR');
    // Two-phase payments, so some are between their steps when the worker dies.
    const run = async (i: number) => {
      const draft = await api().post('/internal/Payments/draft', {
        debitAccountId: payer.id,
        creditAccountId: payee.id,
        amount: '1.00',
        currency: 'EUR',
        reference: `two-workers-${i}`,
      });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      const id = draft.body.value.id as string;
      expect((await api().post(`/internal/Payments/${id}/pend`)).status).toBe(200);
      const posted = await api().post(`/internal/Payments/${id}/post`);
      expect(posted.status, JSON.stringify(posted.body)).toBe(200);
      expect(posted.body.value.status).toBe('Posted');
      return id;
    };
    const all = Array.from({ length: PAYMENTS }, (_, i) => run(i));
    await new Promise((r) => setTimeout(r, 300));
    await workers.kill(0);
    const ids = await Promise.all(all);

    for (const id of ids) {
      const entries = await api().get(`/internal/Transactions?paymentId=${id}`);
      expect(entries.body.value.items.map((t: { type: string }) => t.type).sort()).toEqual(['pending', 'post_pending']);
    }
    expect(await balances(api(), payer.id)).toMatchObject({ balance: '0.00', held: '0.00' });
    expect(await balances(api(), payee.id)).toMatchObject({ balance: `${PAYMENTS}.00` });
  }, 180_000);
});
