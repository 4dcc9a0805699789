import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { internalAccount, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi();

async function unrecognized(amount: string) {
  const res = await api().post('/internal/IncomingRequests', {
    providerReference: `PR-${randomUUID()}`,
    amount,
    currency: 'EUR',
    senderName: 'ACME',
    senderIban: 'DE89370400440532013000',
    receiverIban: 'DE02120300000000202051',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.value.status).toBe('Unrecognized');
  return res.body.value as { id: string; providerReference: string };
}

describe('ops returns an Unrecognized incoming transfer', () => {
  it('Returned through the provider: suspense back to settlement, audited, once', async () => {
    const t = await unrecognized('12.34');
    const settlement = await internalAccount(api(), 'EUR', 'settlement');
    const suspense = await internalAccount(api(), 'EUR', 'suspense');
    const ops = { token: api().tokens.ops };

    const refusedForSystem = await api().post(`/internal/Transfers/incoming/${t.id}/return`, { reason: 'unknown beneficiary' });
    expect(refusedForSystem.status).toBe(403);
    const noReason = await api().post(`/internal/Transfers/incoming/${t.id}/return`, {}, ops);
    expect(noReason.status).toBe(400);

    const returned = await api().post(`/internal/Transfers/incoming/${t.id}/return`, { reason: 'unknown beneficiary' }, ops);
    expect(returned.status, JSON.stringify(returned.body)).toBe(200);
    expect(returned.body.value).toMatchObject({ status: 'Returned', failureReason: 'unknown beneficiary' });

    const entries = (await api().get(`/internal/Transactions?transferId=${t.id}&limit=50`)).body.value.items as {
      type: string;
      debitAccountId: string;
      creditAccountId: string;
      amount: string;
    }[];
    expect(entries.map((e) => [e.debitAccountId, e.creditAccountId, e.amount]).sort()).toEqual(
      [
        [settlement.id, suspense.id, '12.34'],
        [suspense.id, settlement.id, '12.34'],
      ].sort(),
    );
    const [provider] = await api().sql<{ originalReference: string; amount: bigint; reason: string }[]>`
      SELECT original_reference, amount, reason FROM sandbox_provider_returns WHERE transfer_id = ${t.id}`;
    expect(provider).toMatchObject({ originalReference: t.providerReference, amount: 1234n, reason: 'unknown beneficiary' });

    const details = await api().get(`/internal/Transfers/incoming/${t.id}`);
    expect(details.body.value.status).toBe('Returned');
    expect(details.body.value.audit).toEqual([
      expect.objectContaining({ action: 'return', actor: 'ops:test-ops', note: 'unknown beneficiary' }),
    ]);
    expect(details.body.value.history.status).toBe('COMPLETED');

    // A repeat is 200 unchanged; assigning it now is a 422.
    const again = await api().post(`/internal/Transfers/incoming/${t.id}/return`, { reason: 'unknown beneficiary' }, ops);
    expect(again.status).toBe(200);
    const owner = await openAccount(api(), 'EUR');
    const assign = await api().post(`/internal/Transfers/incoming/${t.id}/assign`, { accountId: owner.id }, ops);
    expect(assign.status).toBe(422);
    expect(assign.body.errors[0].metadata.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('a Completed (matched or assigned) transfer cannot be returned', async () => {
    const t = await unrecognized('5.00');
    const owner = await openAccount(api(), 'EUR');
    const ops = { token: api().tokens.ops };
    expect((await api().post(`/internal/Transfers/incoming/${t.id}/assign`, { accountId: owner.id }, ops)).status).toBe(200);
    const res = await api().post(`/internal/Transfers/incoming/${t.id}/return`, { reason: 'too late' }, ops);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].metadata).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'Completed', action: 'return' });
  });
});
