import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { derivedId } from '../../domain/ids';
import { updatesOverlap } from './histories';
import type { RecorderApi } from './recorderApi';

export interface PathContext {
  api: RecorderApi;
  /** The same app with a 1.5 s confirmation window, FX quote and approval lifetime, for the expiry paths. */
  expiringApi: RecorderApi;
  temporal: Client;
}

/** One important way through a workflow, driven over the HTTP API; resolves to its workflow id. */
export interface RecordedPath {
  workflowType:
    | 'paymentWorkflow'
    | 'outgoingTransferWorkflow'
    | 'incomingTransferWorkflow'
    | 'fxTransferWorkflow'
    | 'dailyAccountBalanceWorkflow'
    | 'dailyCheckWorkflow'
    | 'accountBalanceCheckWorkflow'
    | 'webhookEndpointWorkflow'
    | 'paymentReversalWorkflow'
    | 'transferReturnWorkflow'
    | 'approvalWorkflow';
  /** Names the history file: `<workflowType>-<path>.json`. */
  path: string;
  run(ctx: PathContext): Promise<string>;
  /**
   * For a race: whether the finished history took the course worth keeping (an interleaving). The recorder runs the path again (a few times at most) until it does.
   */
  wanted?: (history: History) => boolean;
}

const GERMAN_IBAN = 'DE89370400440532013000';
const paymentWorkflowId = (id: string) => `payment-${id}`;
const transferWorkflowId = (id: string) => `transfer-${id}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function draft(api: RecorderApi, from: string, to: string, amount: string) {
  return api.post('/internal/Payments/draft', { debitAccountId: from, creditAccountId: to, amount, currency: 'EUR' }, { expect: 201 });
}

/** A draft payment of `amount` from an account funded with `funding` to a fresh one. */
async function draftPayment(api: RecorderApi, funding: string | null, amount: string) {
  const a = await api.customer(funding);
  const b = await api.customer(null);
  const id: string = (await draft(api, a.id, b.id, amount)).body.value.id;
  return { a, b, id };
}

type Customer = Awaited<ReturnType<RecorderApi['customer']>>;

/** A payment at once (system token) of `amount` EUR from a funded customer to a fresh one. */
async function postedPayment(api: RecorderApi, amount: string) {
  const payer = await api.customer('3000.00');
  const payee = await api.customer(null);
  const res = await api.post(
    '/internal/Payments',
    { debitAccountId: payer.id, creditAccountId: payee.id, amount, currency: 'EUR', description: 'invoice' },
    { expect: 201 },
  );
  return { paymentId: res.body.value.id as string, payer, payee };
}

/** Starts an outgoing SEPA transfer (or Internal, when the recipient is an account of this ledger). */
async function outgoing(api: RecorderApi, c: Customer, amount: string, reference: string, recipient?: Record<string, unknown>) {
  return api.post(
    '/Transfers/outgoing',
    {
      accountId: c.id,
      amount,
      currency: 'EUR',
      reference,
      recipient: recipient ?? { name: 'Jane Roe', iban: GERMAN_IBAN, country: 'DE', currency: 'EUR' },
    },
    { token: c.token },
  );
}

async function startedTransfer(api: RecorderApi, funding: string, amount: string, reference: string) {
  const c = await api.customer(funding);
  const created = await outgoing(api, c, amount, reference);
  if (created.status !== 201) throw new Error(`transfer not created: ${JSON.stringify(created.body)}`);
  return { c, id: created.body.value.id as string, confirmationId: created.body.value.confirmationId as string };
}

async function confirm(api: RecorderApi, c: Customer, id: string, expect = 200) {
  return api.put(`/Transfers/outgoing/${id}/confirm`, { code: await api.lastCode(c.clientId) }, { token: c.token, expect });
}

/** Asks for a new code; resends are rate limited (429 with Retry-After), so it waits as told. */
async function resend(api: RecorderApi, c: Customer, confirmationId: string) {
  for (let attempt = 1; ; attempt++) {
    const resent = await api.post(`/Confirmations/${confirmationId}/resend`, undefined, { token: c.token });
    if (resent.status === 200) return;
    const retryAfter = resent.body?.errors?.[0]?.metadata?.retryAfterSeconds;
    if (resent.status !== 429 || typeof retryAfter !== 'number' || attempt >= 10) {
      throw new Error(`resend answered ${resent.status}: ${JSON.stringify(resent.body)}`);
    }
    await sleep(Math.max(retryAfter * 1000, 100));
  }
}

/** An FX transfer of 10.00 EUR into a fresh USD account of the same client (PendingConfirmation). */
async function startedFx(api: RecorderApi) {
  const c = await api.customer('50.00');
  const usd = await api.post(
    '/v2/internal/Accounts',
    { clientId: c.clientId, currency: 'USD', purpose: 'current', name: 'USD' },
    { expect: 201 },
  );
  const created = await api.post(
    '/Transfers/fx',
    { sourceAccountId: c.id, targetAccountId: usd.body.value.id, sellAmount: '10.00' },
    { token: c.token, expect: 201 },
  );
  return { c, id: created.body.value.id as string };
}

async function waitForFx(api: RecorderApi, id: string, wanted: string) {
  for (let i = 0; i < 400; i++) {
    const res = await api.get(`/internal/Transfers/fx/${id}`, { expect: 200 });
    if (res.body.value.status === wanted) return;
    await sleep(150);
  }
  throw new Error(`FX transfer ${id} is not ${wanted}`);
}

/** The client closes its (empty) account: a code, a token for it, DELETE. */
async function closeAccount(api: RecorderApi, c: Customer, accountId: string) {
  const sent = await api.post('/Accounts/send-otp', { operation: 'close', accountId }, { token: c.token, expect: 201 });
  const verified = await api.post(
    '/Accounts/otp-verification',
    { otpId: sent.body.value.otpId, code: await api.lastCode(c.clientId) },
    { token: c.token, expect: 200 },
  );
  await api.delete(`/Accounts/${accountId}`, { token: c.token, headers: { 'X-Otp-Token': verified.body.value.otpToken }, expect: 200 });
}

/** An ops payment at or above the approval threshold: it waits for a second ops user. Answers the approval's id. */
async function opsPaymentToApprove(api: RecorderApi): Promise<string> {
  const payer = await api.customer('2000.00');
  const payee = await api.customer(null);
  const asked = await api.post(
    '/internal/Payments',
    {
      debitAccountId: payer.id,
      creditAccountId: payee.id,
      amount: '1200.00',
      currency: 'EUR',
      description: 'manual',
      note: 'agreed with the client',
    },
    { token: api.tokens.ops, expect: 202 },
  );
  return asked.body.value.approvalId;
}

/** A workflow the API refused (no id in the answer), found by its search attributes. */
async function findWorkflow(temporal: Client, query: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    for await (const wf of temporal.workflow.list({ query })) return wf.workflowId;
    await sleep(200);
  }
  throw new Error(`no workflow matches ${query}`);
}

export const PATHS: RecordedPath[] = [
  // ---- payments ----
  {
    workflowType: 'paymentWorkflow',
    path: 'at-once',
    async run({ api }) {
      const a = await api.customer('100.00');
      const b = await api.customer(null);
      const res = await api.post(
        '/internal/Payments',
        { debitAccountId: a.id, creditAccountId: b.id, amount: '25.50', currency: 'EUR', description: 'rent', reference: 'INV-1' },
        { expect: 201 },
      );
      return paymentWorkflowId(res.body.value.id);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'at-once-refused',
    async run({ api, temporal }) {
      const a = await api.customer('10.00');
      const b = await api.customer(null);
      await api.post(
        '/internal/Payments',
        { debitAccountId: a.id, creditAccountId: b.id, amount: '10.01', currency: 'EUR' },
        { expect: 422 },
      );
      return findWorkflow(temporal, `WorkflowType = 'paymentWorkflow' AND AccountId = '${b.id}'`);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'draft-pend-post',
    async run({ api }) {
      const { id } = await draftPayment(api, '50.00', '20');
      await api.post(`/internal/Payments/${id}/pend`, {}, { expect: 200 });
      await api.post(`/internal/Payments/${id}/post`, undefined, { expect: 200 });
      return paymentWorkflowId(id);
    },
  },
  {
    // Issue #26: the input carries createdBy and the ops note, each update its actor for the audit log.
    workflowType: 'paymentWorkflow',
    path: 'ops-draft-pend-post-audited',
    async run({ api }) {
      const a = await api.customer('30.00');
      const b = await api.customer(null);
      const ops = { token: api.tokens.ops };
      const res = await api.post(
        '/internal/Payments/draft',
        { debitAccountId: a.id, creditAccountId: b.id, amount: '7.25', currency: 'EUR', note: 'manual correction' },
        { expect: 201, ...ops },
      );
      const id: string = res.body.value.id;
      await api.post(`/internal/Payments/${id}/pend`, {}, { expect: 200, ...ops });
      await api.post(`/internal/Payments/${id}/post`, undefined, { expect: 200, ...ops });
      return paymentWorkflowId(id);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'draft-pend-cancel',
    async run({ api }) {
      const { id } = await draftPayment(api, '40.00', '15.25');
      await api.post(`/internal/Payments/${id}/pend`, undefined, { expect: 200 });
      await api.post(`/internal/Payments/${id}/cancel`, { reason: 'customer changed mind' }, { expect: 200 });
      return paymentWorkflowId(id);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'account-blocked-post-refused-cancelled',
    async run({ api }) {
      const { a, id } = await draftPayment(api, '40.00', '12.00');
      await api.post(`/internal/Payments/${id}/pend`, undefined, { expect: 200 });
      await api.put(`/internal/Accounts/${a.id}/block`, undefined, { expect: 200 });
      await api.post(`/internal/Payments/${id}/post`, undefined, { expect: 422 });
      await api.post(`/internal/Payments/${id}/cancel`, { reason: 'account blocked' }, { expect: 200 });
      return paymentWorkflowId(id);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'draft-cancel',
    async run({ api }) {
      const { id } = await draftPayment(api, '5.00', '5');
      await api.post(`/internal/Payments/${id}/cancel`, { reason: 'customer changed mind' }, { expect: 200 });
      return paymentWorkflowId(id);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'pend-refused-funded-pend-post',
    async run({ api }) {
      const { a, id } = await draftPayment(api, '1.00', '2.00');
      const refused = await api.post(`/internal/Payments/${id}/pend`, undefined, { expect: 422 });
      if (refused.body.errors[0]?.metadata?.code !== 'INSUFFICIENT_FUNDS') throw new Error(JSON.stringify(refused.body));
      const topUp = await api.customer('5.00');
      await api.post(
        '/internal/Payments',
        { debitAccountId: topUp.id, creditAccountId: a.id, amount: '1', currency: 'EUR' },
        { expect: 201 },
      );
      await api.post(`/internal/Payments/${id}/pend`, undefined, { expect: 200 });
      await api.post(`/internal/Payments/${id}/post`, undefined, { expect: 200 });
      return paymentWorkflowId(id);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'race-pend-cancel-post',
    // A cancel (or pend) accepted while the other's ledger activity runs: the handlers take turns.
    wanted: updatesOverlap,
    async run({ api }) {
      const { id } = await draftPayment(api, '10.00', '10');
      const answers = await Promise.all(
        ['pend', 'cancel', 'post'].map((action) => api.post(`/internal/Payments/${id}/${action}`, undefined)),
      );
      for (const a of answers) if (a.status !== 200 && a.status !== 422) throw new Error(`race: ${a.status} ${JSON.stringify(a.body)}`);
      // Whichever order the three took, the payment ends: a hold left Pending is cancelled.
      const now = await api.get(`/internal/Payments/${id}`, { expect: 200 });
      if (now.body.value.status === 'Pending') await api.post(`/internal/Payments/${id}/cancel`, undefined, { expect: 200 });
      return paymentWorkflowId(id);
    },
  },
  {
    workflowType: 'paymentWorkflow',
    path: 'pend-hold-expired',
    async run({ api }) {
      const { id } = await draftPayment(api, '30.00', '30');
      await api.post(`/internal/Payments/${id}/pend`, { holdExpiresAt: new Date(Date.now() + 1500).toISOString() }, { expect: 200 });
      // The recorder waits for the workflow to finish: the timer fires and the hold is voided.
      return paymentWorkflowId(id);
    },
  },

  // ---- outgoing transfers ----
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'sepa-completed',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '100.00', '10.00', 'invoice 1');
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Completed']);
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'refused-insufficient-funds',
    async run({ api, temporal }) {
      const c = await api.customer('10.00');
      const res = await outgoing(api, c, '9.60', 'too much');
      if (res.status !== 422) throw new Error(`expected 422: ${JSON.stringify(res.body)}`);
      return findWorkflow(temporal, `WorkflowType = 'outgoingTransferWorkflow' AND ClientId = '${c.clientId}'`);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'wrong-code-resend-confirm',
    async run({ api }) {
      const { c, id, confirmationId } = await startedTransfer(api, '50.00', '5.00', 'invoice 2');
      const code = await api.lastCode(c.clientId);
      const wrong = code === '000000' ? '111111' : '000000';
      await api.put(`/Transfers/outgoing/${id}/confirm`, { code: wrong }, { token: c.token, expect: 422 });
      await resend(api, c, confirmationId);
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Completed']);
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'code-locked-cancelled',
    // Wrong codes until the confirmation is locked for good, which cancels the transfer.
    async run({ api }) {
      const { c, id, confirmationId } = await startedTransfer(api, '50.00', '5.00', 'invoice 5');
      const code = await api.lastCode(c.clientId);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 40; i++) {
        const res = await api.put(`/Transfers/outgoing/${id}/confirm`, { code: wrong }, { token: c.token, expect: 422 });
        const transfer = await api.get(`/internal/Transfers/outgoing/${id}`, { expect: 200 });
        if (transfer.body.value.status === 'Cancelled') return transferWorkflowId(id);
        if (res.body.errors[0]?.metadata?.code === 'OTP_ATTEMPTS_EXCEEDED') await resend(api, c, confirmationId);
      }
      throw new Error(`transfer ${id} was not cancelled by a locked code`);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'race-confirm-confirm',
    // A confirm that lost the race checks its code too.
    wanted: updatesOverlap,
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '20.00', '10.00', 'invoice 6');
      const code = await api.lastCode(c.clientId);
      const answers = await Promise.all([1, 2].map(() => api.put(`/Transfers/outgoing/${id}/confirm`, { code }, { token: c.token })));
      for (const a of answers) if (a.status !== 200) throw new Error(`confirm: ${a.status} ${JSON.stringify(a.body)}`);
      await api.waitForTransfer(id, ['Completed']);
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'provider-rejected-failed',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '30.00', '10.00', 'REJECT please');
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Failed']);
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'cancel-before-confirm',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '20.00', '19.50', 'invoice 3');
      await api.delete(`/Transfers/outgoing/${id}`, { token: c.token, expect: 200 });
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'race-confirm-cancel',
    wanted: updatesOverlap,
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '20.00', '10.00', 'invoice 4');
      const code = await api.lastCode(c.clientId);
      const answers = await Promise.all([
        api.put(`/Transfers/outgoing/${id}/confirm`, { code }, { token: c.token }),
        api.delete(`/Transfers/outgoing/${id}`, { token: c.token }),
      ]);
      for (const a of answers) if (a.status !== 200 && a.status !== 422) throw new Error(`race: ${a.status} ${JSON.stringify(a.body)}`);
      await api.waitForTransfer(id, ['Completed', 'Cancelled']);
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'fail-stuck-continue-completed',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '30.00', '10.00', 'FAIL4 then fine');
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Stuck']);
      await api.post(`/internal/Transfers/outgoing/${id}/continue`, { note: 'provider is back' }, { token: api.tokens.ops, expect: 200 });
      await api.waitForTransfer(id, ['Completed']);
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'timeout-stuck-execute-completed',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '30.00', '10.00', 'TIMEOUT forever');
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Stuck']);
      await api.post(
        `/internal/Transfers/outgoing/${id}/execute`,
        { providerReference: 'MANUAL-42', note: 'paid by phone' },
        { token: api.tokens.ops, expect: 200 },
      );
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'timeout-stuck-continue-stuck-execute',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '30.00', '10.00', 'TIMEOUT again');
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Stuck']);
      await api.post(`/internal/Transfers/outgoing/${id}/continue`, { note: 'try again' }, { token: api.tokens.ops, expect: 200 });
      // Back to Processing, then Stuck again once the budget runs out a second time.
      await sleep(300);
      await api.waitForTransfer(id, ['Stuck']);
      await api.post(
        `/internal/Transfers/outgoing/${id}/execute`,
        { providerReference: 'MANUAL-43', note: 'paid by phone' },
        { token: api.tokens.ops, expect: 200 },
      );
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'internal-completed',
    async run({ api }) {
      const payer = await api.customer('40.00');
      const payee = await api.customer(null);
      const created = await outgoing(api, payer, '15', 'internal', {
        name: 'Payee',
        accountNumber: payee.accountNumber,
        country: 'DE',
        currency: 'EUR',
      });
      if (created.status !== 201 || created.body.value.type !== 'Internal')
        throw new Error(`not Internal: ${JSON.stringify(created.body)}`);
      await confirm(api, payer, created.body.value.id);
      await api.waitForTransfer(created.body.value.id, ['Completed']);
      return transferWorkflowId(created.body.value.id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'client-blocked-confirm-refused-unblocked-completed',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '30.00', '10.00', 'blocked meanwhile');
      await api.put(`/internal/Clients/${c.clientId}/block`, { reason: 'fraud suspected' }, { expect: 200 });
      await confirm(api, c, id, 422);
      await api.put(`/internal/Clients/${c.clientId}/unblock`, undefined, { expect: 200 });
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Completed']);
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'internal-recipient-closed-failed',
    async run({ api }) {
      const payer = await api.customer('40.00');
      const payee = await api.customer(null);
      const created = await outgoing(api, payer, '15', 'to a closing account', {
        name: 'Payee',
        accountNumber: payee.accountNumber,
        country: 'DE',
        currency: 'EUR',
      });
      if (created.status !== 201 || created.body.value.type !== 'Internal')
        throw new Error(`not Internal: ${JSON.stringify(created.body)}`);
      await closeAccount(api, payee, payee.id);
      await confirm(api, payer, created.body.value.id);
      await api.waitForTransfer(created.body.value.id, ['Failed']);
      return transferWorkflowId(created.body.value.id);
    },
  },
  {
    workflowType: 'outgoingTransferWorkflow',
    path: 'confirmation-window-expired',
    async run({ expiringApi }) {
      const { id } = await startedTransfer(expiringApi, '20.00', '5.00', 'never confirmed');
      await expiringApi.waitForTransfer(id, ['Cancelled']);
      return transferWorkflowId(id);
    },
  },

  // ---- FX transfers ----
  {
    workflowType: 'fxTransferWorkflow',
    path: 'confirmed-completed',
    async run({ api }) {
      const { c, id } = await startedFx(api);
      const done = await api.put(`/Transfers/fx/${id}/confirm`, { code: await api.lastCode(c.clientId) }, { token: c.token, expect: 200 });
      if (done.body.value.status !== 'Completed') throw new Error(JSON.stringify(done.body));
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'fxTransferWorkflow',
    path: 'wrong-code-confirmed',
    async run({ api }) {
      const { c, id } = await startedFx(api);
      const code = await api.lastCode(c.clientId);
      await api.put(`/Transfers/fx/${id}/confirm`, { code: code === '000000' ? '111111' : '000000' }, { token: c.token, expect: 422 });
      await api.put(`/Transfers/fx/${id}/confirm`, { code }, { token: c.token, expect: 200 });
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'fxTransferWorkflow',
    path: 'cancelled',
    async run({ api }) {
      const { c, id } = await startedFx(api);
      await api.delete(`/Transfers/fx/${id}`, { token: c.token, expect: 200 });
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'fxTransferWorkflow',
    path: 'client-blocked-confirm-refused-cancelled',
    async run({ api }) {
      const { c, id } = await startedFx(api);
      await api.put(`/internal/Clients/${c.clientId}/block`, { reason: 'fraud suspected' }, { expect: 200 });
      await api.put(`/Transfers/fx/${id}/confirm`, { code: await api.lastCode(c.clientId) }, { token: c.token, expect: 422 });
      await api.delete(`/Transfers/fx/${id}`, { token: c.token, expect: 200 });
      return transferWorkflowId(id);
    },
  },
  {
    workflowType: 'fxTransferWorkflow',
    path: 'quote-expired',
    async run({ expiringApi }) {
      const { id } = await startedFx(expiringApi);
      await waitForFx(expiringApi, id, 'Expired');
      return transferWorkflowId(id);
    },
  },

  // ---- incoming transfers ----
  {
    workflowType: 'incomingTransferWorkflow',
    path: 'matched-completed',
    async run({ api }) {
      const c = await api.customer(null);
      const res = await api.post(
        '/internal/IncomingRequests',
        {
          currency: 'EUR',
          senderName: 'ACME',
          providerReference: `PR-${randomUUID()}`,
          amount: '12.34',
          receiverAccountNumber: c.accountNumber,
        },
        { expect: 202 },
      );
      if (res.body.value.status !== 'Completed') throw new Error(JSON.stringify(res.body));
      return transferWorkflowId(res.body.value.id);
    },
  },
  {
    workflowType: 'incomingTransferWorkflow',
    path: 'unrecognized-assign-completed',
    async run({ api }) {
      const c = await api.customer(null);
      const res = await api.post(
        '/internal/IncomingRequests',
        {
          currency: 'EUR',
          senderName: 'ACME',
          providerReference: `PR-${randomUUID()}`,
          amount: '7.00',
          receiverIban: 'DE02120300000000202051',
        },
        { expect: 202 },
      );
      if (res.body.value.status !== 'Unrecognized') throw new Error(JSON.stringify(res.body));
      await api.post(
        `/internal/Transfers/incoming/${res.body.value.id}/assign`,
        { accountId: c.id, note: 'matched by name' },
        { token: api.tokens.ops, expect: 200 },
      );
      return transferWorkflowId(res.body.value.id);
    },
  },
  {
    workflowType: 'incomingTransferWorkflow',
    path: 'unrecognized-return-returned',
    async run({ api }) {
      const res = await api.post(
        '/internal/IncomingRequests',
        {
          currency: 'EUR',
          senderName: 'ACME',
          providerReference: `PR-${randomUUID()}`,
          amount: '8.00',
          receiverIban: 'DE02120300000000202051',
        },
        { expect: 202 },
      );
      if (res.body.value.status !== 'Unrecognized') throw new Error(JSON.stringify(res.body));
      await api.post(
        `/internal/Transfers/incoming/${res.body.value.id}/return`,
        { reason: 'unknown beneficiary' },
        { token: api.tokens.ops, expect: 200 },
      );
      return transferWorkflowId(res.body.value.id);
    },
  },
  // ---- back office: reversals, returns, approvals ----
  {
    workflowType: 'paymentReversalWorkflow',
    path: 'partial-reversed',
    async run({ api }) {
      const { paymentId } = await postedPayment(api, '20.00');
      const key = randomUUID();
      await api.post(
        `/internal/Payments/${paymentId}/reverse`,
        { reason: 'wrong amount', amount: '5.00' },
        { token: api.tokens.ops, headers: { 'Idempotency-Key': key }, expect: 200 },
      );
      return `payment-${paymentId}-reversal-${derivedId('reversal', 'ops', 'recorder-ops', key)}`;
    },
  },
  {
    workflowType: 'paymentReversalWorkflow',
    path: 'refused-insufficient-funds',
    async run({ api }) {
      const { paymentId, payee } = await postedPayment(api, '20.00');
      const settlement = await api.internalAccount('EUR', 'settlement');
      await api.post(
        '/internal/Payments',
        { debitAccountId: payee.id, creditAccountId: settlement.id, amount: '19.00', currency: 'EUR' },
        { expect: 201 },
      );
      const key = randomUUID();
      await api.post(
        `/internal/Payments/${paymentId}/reverse`,
        { reason: 'wrong payee' },
        { token: api.tokens.ops, headers: { 'Idempotency-Key': key }, expect: 422 },
      );
      return `payment-${paymentId}-reversal-${derivedId('reversal', 'ops', 'recorder-ops', key)}`;
    },
  },
  {
    workflowType: 'transferReturnWorkflow',
    path: 'returned',
    async run({ api }) {
      const { c, id } = await startedTransfer(api, '100.00', '10.00', 'rent');
      await confirm(api, c, id);
      await api.waitForTransfer(id, ['Completed']);
      const providerReference = `RET-${randomUUID()}`;
      await api.post(
        `/internal/Transfers/outgoing/${id}/returned`,
        { providerReference, amount: '10.00', reason: 'account closed' },
        { expect: 200 },
      );
      return `transfer-return-${derivedId('transfer-return', providerReference)}`;
    },
  },
  {
    workflowType: 'approvalWorkflow',
    path: 'reversal-approved',
    async run({ api }) {
      const { paymentId } = await postedPayment(api, '1500.00');
      const asked = await api.post(
        `/internal/Payments/${paymentId}/reverse`,
        { reason: 'duplicate' },
        { token: api.tokens.ops, expect: 202 },
      );
      const approvalId = asked.body.value.approvalId;
      await api.post(`/internal/Approvals/${approvalId}/approve`, undefined, {
        token: await api.token('ops', 'recorder-approver'),
        expect: 200,
      });
      return `approval-${approvalId}`;
    },
  },
  {
    workflowType: 'approvalWorkflow',
    path: 'payment-approved',
    async run({ api }) {
      const approvalId = await opsPaymentToApprove(api);
      await api.post(`/internal/Approvals/${approvalId}/approve`, undefined, {
        token: await api.token('ops', 'recorder-approver'),
        expect: 200,
      });
      return `approval-${approvalId}`;
    },
  },
  {
    workflowType: 'approvalWorkflow',
    path: 'payment-rejected',
    async run({ api }) {
      const approvalId = await opsPaymentToApprove(api);
      await api.post(
        `/internal/Approvals/${approvalId}/reject`,
        { reason: 'not ordered' },
        { token: await api.token('ops', 'recorder-approver'), expect: 200 },
      );
      return `approval-${approvalId}`;
    },
  },
  {
    workflowType: 'approvalWorkflow',
    path: 'payment-expired',
    async run({ expiringApi }) {
      const approvalId = await opsPaymentToApprove(expiringApi);
      for (let i = 0; i < 400; i++) {
        const approval = await expiringApi.get(`/internal/Approvals/${approvalId}`, { token: expiringApi.tokens.ops, expect: 200 });
        if (approval.body.value.status === 'expired') return `approval-${approvalId}`;
        await sleep(150);
      }
      throw new Error(`approval ${approvalId} did not expire`);
    },
  },
  // ---- ledger operations ----
  {
    workflowType: 'dailyAccountBalanceWorkflow',
    path: 'snapshot-today',
    async run({ api }) {
      await api.customer('10.00');
      const today = new Date().toISOString().slice(0, 10);
      const res = await api.post('/internal/DailyAccountBalance', { date: today }, { expect: 202 });
      return res.body.value.workflowId;
    },
  },
  {
    workflowType: 'dailyAccountBalanceWorkflow',
    path: 'recalculate-range',
    async run({ api }) {
      const today = new Date().toISOString().slice(0, 10);
      const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10);
      const res = await api.post('/internal/DailyAccountBalance/recalculate', { from: yesterday, to: today }, { expect: 202 });
      return res.body.value.workflowId;
    },
  },
  {
    workflowType: 'dailyCheckWorkflow',
    path: 'passed',
    async run({ api }) {
      await api.customer('10.00');
      const today = new Date().toISOString().slice(0, 10);
      const res = await api.post('/internal/DailyCheck', { date: today }, { expect: 202 });
      return res.body.value.workflowId;
    },
  },
  {
    workflowType: 'accountBalanceCheckWorkflow',
    path: 'passed',
    async run({ api }) {
      const res = await api.post('/internal/BackgroundJob/AccountBalanceCheckJob', undefined, { expect: 202 });
      return res.body.value.workflowId;
    },
  },
  {
    // Two aggregates' events (client.created, account.opened); the receiver refuses the first
    // request, so one delivery is retried while the other aggregate's passes; then the endpoint is
    // deleted and the workflow ends.
    workflowType: 'webhookEndpointWorkflow',
    path: 'refused-retried-delivered-deleted',
    async run({ api }) {
      let requests = 0;
      let delivered = 0;
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          requests += 1;
          if (requests === 1) return res.writeHead(503).end();
          delivered += 1;
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        const endpoint = await api.post('/internal/WebhookEndpoints', { url, eventTypes: ['client.*', 'account.*'] }, { expect: 201 });
        const id: string = endpoint.body.value.id;
        await api.customer(null);
        const deadline = Date.now() + 60_000;
        while (delivered < 2) {
          if (Date.now() > deadline) throw new Error(`only ${delivered} webhooks delivered`);
          await sleep(200);
        }
        await api.delete(`/internal/WebhookEndpoints/${id}`, { expect: 200 });
        return `webhook-endpoint-${id}`;
      } finally {
        server.close();
      }
    },
  },
];
