import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { balances, openAccount } from '../support/bankFixtures';
import { useOwnWorker, useTestApi } from '../support/suite';

// A queue of its own, so killing this worker leaves the shared one alone; a slow provider, so
// the transfers are in the middle of Processing when the worker dies.
const worker = useOwnWorker({ SANDBOX_DECISION_MS: '2000' });
const api = useTestApi({ taskQueue: worker.taskQueue, workflowWaitMs: 50_000 });

describe('a worker killed (SIGKILL) while transfers are Processing', () => {
  it('ends every transfer in the right status with exactly one settlement entry', async () => {
    const account = await openAccount(api(), 'EUR', '100.00');
    const as = { token: await token('client', account.clientId) };
    // FAIL1 leaves budget (3 submissions) for a submission lost in the crash.
    const references = ['crash-1', 'crash-2', 'REJECT crash-3', 'FAIL1 crash-4'];
    const ids: string[] = [];
    for (const reference of references) {
      const created = await api().post(
        '/Transfers/outgoing',
        {
          accountId: account.id,
          amount: '10.00',
          currency: 'EUR',
          reference,
          recipient: { name: 'X', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
        },
        as,
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const notes = await api().get(`/internal/Notifications?clientId=${account.clientId}&limit=1`);
      const code = /code is (\d{6})/.exec(notes.body.value.items[0].body)?.[1];
      const confirmed = await api().put(`/Transfers/outgoing/${created.body.value.id}/confirm`, { code }, as);
      expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
      ids.push(created.body.value.id);
    }
    const statuses = await Promise.all(ids.map(async (id) => (await api().get(`/internal/Transfers/outgoing/${id}`)).body.value.status));
    expect(statuses.filter((s) => s === 'Processing').length).toBeGreaterThan(0);

    await worker.kill();
    await new Promise((r) => setTimeout(r, 1_000));
    await worker.start();

    const deadline = Date.now() + 60_000;
    let final: { id: string; status: string }[] = [];
    while (Date.now() < deadline) {
      final = await Promise.all(ids.map(async (id) => (await api().get(`/internal/Transfers/outgoing/${id}`)).body.value));
      if (final.every((t) => ['Completed', 'Failed'].includes(t.status))) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(final.map((t) => t.status)).toEqual(['Completed', 'Completed', 'Failed', 'Completed']);
    for (const [i, t] of final.entries()) {
      const entries = (await api().get(`/internal/Transactions?transferId=${t.id}&limit=50`)).body.value.items as {
        type: string;
        amount: string;
      }[];
      const settled = entries.filter((e) => e.type === 'post_pending');
      const released = entries.filter((e) => e.type === 'void_pending');
      if (references[i]?.startsWith('REJECT')) {
        expect(settled).toEqual([]);
        expect(released).toHaveLength(2);
      } else {
        expect(settled.map((e) => e.amount).sort()).toEqual(['0.50', '10.00']);
        expect(released).toEqual([]);
      }
    }
    // Three transfers of 10.00 + 0.50 fee left the account; the rejected one came back.
    expect(await balances(api(), account.id)).toMatchObject({ balance: '68.50', held: '0.00', available: '68.50' });
  }, 120_000);
});
