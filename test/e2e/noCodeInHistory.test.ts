import type { History } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { loadHistories } from '../replay/histories';
import { token } from '../support/api';
import { lastCode, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

/**
 * No one-time code enters a workflow's history: the API hands a confirmation to the workflow as
 * the code's keyed hash (domain/otpPolicy.ts PresentedCode), so whoever reads histories (the
 * Temporal UI, an export, a backup) learns no code. Checked on live histories and on every
 * recorded one.
 */
const api = useTestApi({ fx: { quoteTtlMs: 60_000, spread: '0.01', base: 'EUR', rates: { EUR: '1', USD: '1.08' } } });

/** Histories recorded before the change, whose confirm updates carry `{ code }`: frozen, never more. */
const RECORDED_BEFORE_THE_HASH = 31;

/** The inputs of the history's confirm updates, decoded. */
function confirmInputs(history: History): unknown[] {
  const inputs: unknown[] = [];
  for (const event of history.events ?? []) {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (accepted?.input?.name !== 'confirm') continue;
    for (const payload of accepted.input.args?.payloads ?? []) {
      if (payload.data) inputs.push(JSON.parse(Buffer.from(payload.data).toString()));
    }
  }
  return inputs;
}

describe('one-time codes never enter a workflow history', () => {
  it('a confirmed outgoing transfer and a confirmed FX transfer: the code is nowhere in their histories', async () => {
    const payer = await openAccount(api(), 'EUR', '100.00');
    const as = { token: await token('client', payer.clientId) };
    const transfer = await api().post(
      '/Transfers/outgoing',
      {
        accountId: payer.id,
        amount: '5.00',
        currency: 'EUR',
        recipient: { name: 'Ada', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
      as,
    );
    const transferCode = await lastCode(api(), payer.clientId);
    expect((await api().put(`/Transfers/outgoing/${transfer.body.value.id}/confirm`, { code: transferCode }, as)).status).toBe(200);

    const usd = await api().post('/v2/internal/Accounts', { clientId: payer.clientId, currency: 'USD', purpose: 'current', name: 'USD' });
    const fx = await api().post(
      '/Transfers/fx',
      { sourceAccountId: payer.id, targetAccountId: usd.body.value.id, sellAmount: '10.00' },
      as,
    );
    const fxCode = await lastCode(api(), payer.clientId);
    expect((await api().put(`/Transfers/fx/${fx.body.value.id}/confirm`, { code: fxCode }, as)).status).toBe(200);

    for (const [id, code] of [
      [transfer.body.value.id, transferCode],
      [fx.body.value.id, fxCode],
    ] as const) {
      const history = await api().temporal.workflow.getHandle(`transfer-${id}`).fetchHistory();
      const text = JSON.stringify(history, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString() : value));
      expect(text).not.toContain(code);
      const inputs = confirmInputs(history);
      expect(inputs).toHaveLength(1);
      expect(inputs[0]).toEqual({ codeHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
  });

  it('recorded histories: only those recorded before the change carry a code, and their number never grows', () => {
    const histories = loadHistories();
    const withCode = histories.filter((h) =>
      confirmInputs(h.history).some((input) => typeof (input as { code?: unknown }).code === 'string'),
    );
    const confirms = histories.reduce((n, h) => n + confirmInputs(h.history).length, 0);
    console.log(
      `[no code in history] ${histories.length} recorded histories searched, ${confirms} confirm updates, ` +
        `${withCode.length} histories with a code in clear (all recorded before the hash, frozen at ${RECORDED_BEFORE_THE_HASH})`,
    );
    expect(withCode.length).toBeLessThanOrEqual(RECORDED_BEFORE_THE_HASH);
    // The ones recorded since confirm with the hash.
    const hashed = histories.filter((h) =>
      confirmInputs(h.history).some((input) => typeof (input as { codeHash?: unknown }).codeHash === 'string'),
    );
    expect(hashed.length).toBeGreaterThan(0);
  });
});
