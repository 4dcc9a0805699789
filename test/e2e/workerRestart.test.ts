import { describe, expect, it } from 'vitest';
import { balances, openAccount } from '../support/bankFixtures';
import { useOwnWorker, useTestApi } from '../support/suite';

// A queue of its own, so killing this worker leaves the shared one alone.
const worker = useOwnWorker();
const api = useTestApi({ taskQueue: worker.taskQueue, workflowWaitMs: 50_000 });

describe('a worker crash in the middle of a pending payment', () => {
  it('still posts the payment exactly once after a new worker starts', async () => {
    const a = await openAccount(api(), 'EUR', '80.00');
    const b = await openAccount(api(), 'EUR');
    const created = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '60',
      currency: 'EUR',
    });
    const id = created.body.value.id;
    expect((await api().post(`/internal/Payments/${id}/pend`)).body.value.status).toBe('Pending');

    await worker.kill();
    // The post is asked for while no worker runs; the update waits in Temporal for the next one.
    const post = api().post(`/internal/Payments/${id}/post`);
    await new Promise((r) => setTimeout(r, 1_500));
    await worker.start();

    const posted = await post;
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body.value.status).toBe('Posted');
    expect(posted.body.value.transactions.map((t: { type: string }) => t.type)).toEqual(['pending', 'post_pending']);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '20.00', held: '0.00', available: '20.00' });
    expect(await balances(api(), b.id)).toMatchObject({ balance: '60.00', incoming: '0.00' });

    const again = await api().post(`/internal/Payments/${id}/post`);
    expect(again.status).toBe(200);
    const entries = await api().get(`/internal/Transactions?paymentId=${id}`);
    expect(entries.body.value.items).toHaveLength(2);
  }, 120_000);
});
