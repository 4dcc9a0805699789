import { randomUUID } from 'node:crypto';
import { derivedId, paymentWorkflowId, transferWorkflowId } from '../../domain/ids';
import type { HoldOwner } from '../../ledger/holds';
import { type TestApi, token } from '../support/api';
import { openAccount } from '../support/bankFixtures';

/** The windows of the matrix's runs: short, so a run that waits for one ends in seconds. */
export const MATRIX_WINDOW_MS = 2_500;

export type WorkflowType = 'paymentWorkflow' | 'outgoingTransferWorkflow' | 'fxTransferWorkflow';

/** The parties of one run: a funded payer (its client and token) and whoever it pays. */
export interface Parties {
  clientId: string;
  accountId: string;
  token: string;
  /** The account money goes to inside the ledger (a payee, or the FX target), when there is one. */
  recipientAccountId: string | null;
  recipientNumber: string | null;
}

/** An answer the run got from the API: its status and the resource status it named, if any. */
export interface Answer {
  call: string;
  status: number;
  named: string | null;
}

export interface Path {
  workflow: WorkflowType;
  name: string;
  /** The run's workflow id, known before it starts (ids derive from the Idempotency-Key). */
  workflowId: (parties: Parties, key: string) => string;
  owner: (parties: Parties, key: string) => HoldOwner;
  /** What the API reads the run's record from. */
  readPath: (parties: Parties, key: string) => string;
  setup: (api: TestApi) => Promise<Parties>;
  /** The path ends by a timer (a hold, window or quote expiring): the run is waited for until it ends. */
  endsByTimer: boolean;
  drive: (api: TestApi, parties: Parties, key: string) => Promise<Answer[]>;
}

const SYSTEM_SUB = 'test-system';
const paymentId = (key: string) => derivedId('payment', 'system', SYSTEM_SUB, key);
const transferId = (p: Parties, key: string) => derivedId('transfer', 'client', p.clientId, key);
const fxId = (p: Parties, key: string) => derivedId('fx', 'client', p.clientId, key);

async function accountNumber(api: TestApi, accountId: string): Promise<string> {
  return (await api.get(`/v2/ledger/internal/Accounts/${accountId}`)).body.value.accountNumber;
}

async function payerAndPayee(api: TestApi): Promise<Parties> {
  const [payer, payee] = await Promise.all([openAccount(api, 'EUR', '100.00'), openAccount(api, 'EUR')]);
  return {
    clientId: payer.clientId,
    accountId: payer.id,
    token: await token('client', payer.clientId),
    recipientAccountId: payee.id,
    recipientNumber: await accountNumber(api, payee.id),
  };
}

async function exchanger(api: TestApi): Promise<Parties> {
  const payer = await openAccount(api, 'EUR', '100.00');
  const target = await api.post('/v2/internal/Accounts', { clientId: payer.clientId, currency: 'USD', purpose: 'current', name: 'USD' });
  return {
    clientId: payer.clientId,
    accountId: payer.id,
    token: await token('client', payer.clientId),
    recipientAccountId: target.body.value.id,
    recipientNumber: null,
  };
}

/** Calls the API and keeps the answer; never throws on a refusal (the matrix judges, not the path). */
async function call(
  api: TestApi,
  answers: Answer[],
  name: string,
  method: string,
  path: string,
  body?: unknown,
  opts?: { token?: string; key?: string },
) {
  const res = await api.request(method, path, body, {
    ...(opts?.token ? { token: opts.token } : {}),
    headers: opts?.key ? { 'Idempotency-Key': opts.key } : {},
  });
  answers.push({ call: name, status: res.status, named: res.status < 300 ? (res.body?.value?.status ?? null) : null });
  return res;
}

async function lastCode(api: TestApi, clientId: string): Promise<string | null> {
  const res = await api.get(`/internal/Notifications?clientId=${clientId}&limit=1`);
  return /code is (\d{6})/.exec(res.body.value.items[0]?.body ?? '')?.[1] ?? null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- payments ----

const payment = (name: string, steps: ('pend' | 'post' | 'cancel' | 'expire')[], immediate = false): Path => ({
  workflow: 'paymentWorkflow',
  name,
  endsByTimer: steps.includes('expire'),
  workflowId: (_p, key) => paymentWorkflowId(paymentId(key)),
  owner: (_p, key) => ({ paymentId: paymentId(key) }),
  readPath: (_p, key) => `/internal/Payments/${paymentId(key)}`,
  setup: payerAndPayee,
  async drive(api, p, key) {
    const answers: Answer[] = [];
    const body = { debitAccountId: p.accountId, creditAccountId: p.recipientAccountId, amount: '20', currency: 'EUR' };
    const created = await call(api, answers, 'create', 'POST', immediate ? '/internal/Payments' : '/internal/Payments/draft', body, {
      key,
    });
    if (created.status >= 300) return answers;
    const id = created.body.value.id;
    for (const step of steps) {
      if (step === 'pend') await call(api, answers, 'pend', 'POST', `/internal/Payments/${id}/pend`, {});
      if (step === 'expire') {
        const holdExpiresAt = new Date(Date.now() + MATRIX_WINDOW_MS).toISOString();
        await call(api, answers, 'pend', 'POST', `/internal/Payments/${id}/pend`, { holdExpiresAt });
      }
      if (step === 'post') await call(api, answers, 'post', 'POST', `/internal/Payments/${id}/post`, {});
      if (step === 'cancel') await call(api, answers, 'cancel', 'POST', `/internal/Payments/${id}/cancel`, { reason: 'matrix' });
    }
    return answers;
  },
});

// ---- outgoing transfers ----

const outgoing = (name: string, to: 'internal' | 'sepa', then: 'confirm' | 'cancel' | 'wait'): Path => ({
  workflow: 'outgoingTransferWorkflow',
  name,
  endsByTimer: then === 'wait',
  workflowId: (p, key) => transferWorkflowId(transferId(p, key)),
  owner: (p, key) => ({ transferId: transferId(p, key) }),
  readPath: (p, key) => `/internal/Transfers/outgoing/${transferId(p, key)}`,
  setup: payerAndPayee,
  async drive(api, p, key) {
    const answers: Answer[] = [];
    const recipient =
      to === 'internal'
        ? { name: 'Bo', accountNumber: p.recipientNumber, country: 'CH', currency: 'EUR' }
        : { name: 'Ada', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' };
    const body = { accountId: p.accountId, amount: '10.00', currency: 'EUR', recipient };
    const created = await call(api, answers, 'create', 'POST', '/Transfers/outgoing', body, { token: p.token, key });
    if (created.status >= 300) return answers;
    const id = created.body.value.id;
    if (then === 'cancel') await call(api, answers, 'cancel', 'DELETE', `/Transfers/outgoing/${id}`, undefined, { token: p.token });
    if (then === 'confirm') {
      const code = await lastCode(api, p.clientId);
      if (code) await call(api, answers, 'confirm', 'PUT', `/Transfers/outgoing/${id}/confirm`, { code }, { token: p.token });
    }
    return answers;
  },
});

// ---- FX ----

const fx = (name: string, then: 'confirm' | 'cancel' | 'wait'): Path => ({
  workflow: 'fxTransferWorkflow',
  name,
  endsByTimer: then === 'wait',
  workflowId: (p, key) => transferWorkflowId(fxId(p, key)),
  owner: (p, key) => ({ transferId: fxId(p, key) }),
  readPath: (p, key) => `/internal/Transfers/fx/${fxId(p, key)}`,
  setup: exchanger,
  async drive(api, p, key) {
    const answers: Answer[] = [];
    const body = { sourceAccountId: p.accountId, targetAccountId: p.recipientAccountId, sellAmount: '30.00' };
    const created = await call(api, answers, 'create', 'POST', '/Transfers/fx', body, { token: p.token, key });
    if (created.status >= 300) return answers;
    const id = created.body.value.id;
    if (then === 'cancel') await call(api, answers, 'cancel', 'DELETE', `/Transfers/fx/${id}`, undefined, { token: p.token });
    if (then === 'confirm') {
      const code = await lastCode(api, p.clientId);
      if (code) await call(api, answers, 'confirm', 'PUT', `/Transfers/fx/${id}/confirm`, { code }, { token: p.token });
    }
    return answers;
  },
});

/** Every planned path of the three workflows that hold money. */
export const PATHS: Path[] = [
  payment('payment at once', [], true),
  payment('payment draft, pend, post', ['pend', 'post']),
  payment('payment draft, pend, cancel', ['pend', 'cancel']),
  payment('payment draft, pend, hold expires', ['expire']),
  outgoing('internal transfer confirmed', 'internal', 'confirm'),
  outgoing('sepa transfer confirmed', 'sepa', 'confirm'),
  outgoing('transfer cancelled', 'sepa', 'cancel'),
  outgoing('transfer not confirmed in time', 'internal', 'wait'),
  fx('fx confirmed', 'confirm'),
  fx('fx cancelled', 'cancel'),
  fx('fx quote expired', 'wait'),
];

export const newKey = () => `matrix-${randomUUID()}`;
export { sleep };
