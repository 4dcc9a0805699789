import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { balances, internalAccount, openAccount } from '../support/bankFixtures';
import { useOwnWorker, useTestApi } from '../support/suite';

// A queue of its own, so killing this worker leaves the shared one alone.
const worker = useOwnWorker();
const api = useTestApi({ taskQueue: worker.taskQueue, workflowWaitMs: 50_000 });

describe('a worker killed (SIGKILL) between an FX confirmation and its settlement', () => {
  it('settles both legs exactly once after the restart', async () => {
    const source = await openAccount(api(), 'EUR', '100.00');
    const target = await api().post('/v2/internal/Accounts', {
      clientId: source.clientId,
      currency: 'USD',
      purpose: 'current',
      name: 'USD',
    });
    const as = { token: await token('client', source.clientId) };
    const created = await api().post(
      '/Transfers/fx',
      { sourceAccountId: source.id, targetAccountId: target.body.value.id, sellAmount: '10.00' },
      as,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const t = created.body.value;
    const notes = await api().get(`/internal/Notifications?clientId=${source.clientId}&limit=1`);
    const code = /code is (\d{6})/.exec(notes.body.value.items[0].body)?.[1];

    // Hold the USD fx_position row: the settlement (both legs, one transaction) waits on it after the code was checked.
    const usdPosition = await internalAccount(api(), 'USD', 'fx_position');
    const blocker = await api().sql.reserve();
    await blocker`BEGIN`;
    await blocker`SELECT id FROM accounts WHERE id = ${usdPosition.id} FOR UPDATE`;
    let released = false;
    try {
      const confirm = api().put(`/Transfers/fx/${t.id}/confirm`, { code }, as);
      const deadline = Date.now() + 20_000;
      while ((await api().get(`/Confirmations/${t.confirmationId}`, as)).body.value.status !== 'verified') {
        if (Date.now() > deadline) throw new Error('the code was never checked');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500));
      // Confirmed, not settled: the code is used and nothing has posted.
      const before = (await api().get(`/internal/Transactions?transferId=${t.id}&limit=50`)).body.value.items as { type: string }[];
      expect(before.map((e) => e.type)).toEqual(['pending']);

      await worker.kill();
      await blocker`ROLLBACK`;
      blocker.release();
      released = true;
      await worker.start();

      const answer = await confirm;
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.value.status).toBe('Completed');
    } finally {
      if (!released) {
        await blocker`ROLLBACK`;
        blocker.release();
      }
    }

    const entries = (await api().get(`/internal/Transactions?transferId=${t.id}&limit=50`)).body.value.items as {
      type: string;
      amount: string;
      currency: string;
    }[];
    expect(entries.map((e) => `${e.type} ${e.amount} ${e.currency}`).sort()).toEqual(
      ['pending 10.00 EUR', 'post_pending 10.00 EUR', `posted ${t.buyAmount} USD`].sort(),
    );
    expect(await balances(api(), source.id)).toMatchObject({ balance: '90.00', held: '0.00' });
    expect(await balances(api(), target.body.value.id)).toMatchObject({ balance: t.buyAmount });
    expect((await api().get(`/internal/Transfers/fx/${t.id}`)).body.value.status).toBe('Completed');
  }, 120_000);
});
