import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltProcess, freshTaskQueue, startBuilt } from './builtProcess';
import { fundedCustomer, type HttpApi, httpApi, settlementAccount } from './http';

/**
 * What we ship is what we test: `node dist/worker.js` and `node dist/api.js` (the commands of the
 * image and compose, read from docker-compose.yml), built by `npm run build`, in the production
 * profile, serve a payment and an outgoing transfer confirmed with its one-time code over HTTP.
 */
let worker: BuiltProcess;
let apiProcess: BuiltProcess;
let api: HttpApi;

beforeAll(async () => {
  const taskQueue = freshTaskQueue();
  worker = await startBuilt('worker', { taskQueue });
  apiProcess = await startBuilt('api', { taskQueue });
  api = httpApi(apiProcess.url);
});

afterAll(async () => {
  await apiProcess?.child.stop(60_000);
  await worker?.child.stop(60_000);
});

async function waitForTransfer(transferId: string, wanted: string[]) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await api.get(`/internal/Transfers/outgoing/${transferId}`);
    if (wanted.includes(res.body.value?.status) || Date.now() > deadline) return res.body.value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the built API and worker (dist/)', () => {
  it('serve a two-phase payment: draft, pend (hold), post', async () => {
    const { accountId } = await fundedCustomer(api, '100.00');
    const settlement = await settlementAccount(api);
    const draft = await api.post('/internal/Payments/draft', {
      debitAccountId: accountId,
      creditAccountId: settlement,
      amount: '30.00',
      currency: 'EUR',
    });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    const id = draft.body.value.id;
    const pended = await api.post(`/internal/Payments/${id}/pend`);
    expect(pended.status, JSON.stringify(pended.body)).toBe(200);
    const posted = await api.post(`/internal/Payments/${id}/post`);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body.value.status).toBe('Posted');
    const account = await api.get(`/v2/ledger/internal/Accounts/${accountId}`);
    expect(account.body.value).toMatchObject({ balance: '70.00', held: '0.00' });
    console.log(`[shipped] payment ${id} Posted through dist/api.js and dist/worker.js`);
  });

  it('serve an outgoing Sepa transfer confirmed with the one-time code the notifier sent', async () => {
    const { clientId, accountId } = await fundedCustomer(api, '100.00');
    const bearer = await api.tokenFor('client', clientId);
    const created = await api.post(
      '/Transfers/outgoing',
      {
        accountId,
        amount: '10.00',
        currency: 'EUR',
        reference: 'invoice 27',
        recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
      { bearer, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.value.status).toBe('PendingConfirmation');
    const transferId = created.body.value.id;
    const sent = await api.get(`/internal/Notifications?clientId=${clientId}&limit=1`);
    const code = /code is (\d{6})/.exec(sent.body.value.items[0]?.body ?? '')?.[1];
    expect(code, 'the local notifier sent a code').toBeDefined();
    const confirmed = await api.put(`/Transfers/outgoing/${transferId}/confirm`, { code }, { bearer });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    const done = await waitForTransfer(transferId, ['Completed', 'Failed', 'Stuck']);
    expect(done.status).toBe('Completed');
    const account = await api.get(`/v2/ledger/internal/Accounts/${accountId}`);
    expect(account.body.value).toMatchObject({ balance: '89.50', held: '0.00' });
    console.log(`[shipped] transfer ${transferId} Completed (provider ${done.providerReference}) through dist/api.js and dist/worker.js`);
  });
});
