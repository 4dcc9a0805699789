import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createLocalNotifier } from '../../activities/notifier';
import { appDepsFrom, createApp } from '../../api/app';
import { issueToken, type TokenRequest } from '../../api/auth';
import { loadConfig } from '../../config/env';
import type { Sql } from '../../ledger/db';

/** OTP settings of the recorder's worker (over test/support/workerProcess.ts's) and its API: both must agree. */
export const WORKER_ENV = { OTP_TTL_MS: '60000', OTP_RESEND_INTERVAL_MS: '200' };

type Role = TokenRequest['role'];

export interface Answer<T = any> {
  status: number;
  body: { isSuccess: boolean; value: T; errors: any[] };
}

interface Call {
  token?: string;
  headers?: Record<string, string>;
  /** The status the call must answer with; anything else stops the recording. */
  expect?: number;
}

/**
 * The real app in-process (app.request, no port), built from the configuration as api/main.ts
 * builds it, with the settings of test/support/api.ts (which reads its servers from vitest's
 * inject, so a script cannot use it): a short provider retry budget, so a transfer reaches Stuck
 * in a second or two. The worker reads the same environment, so both agree on the secrets.
 */
export async function createRecorderApi(deps: { sql: Sql; temporal: Client; taskQueue: string; confirmationWindowMs?: number }) {
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: 'unused: the pool is given',
    TEMPORAL_TASK_QUEUE: deps.taskQueue,
    WORKFLOW_WAIT_MS: '30000',
    TRANSFER_CONFIRMATION_WINDOW_MS: String(deps.confirmationWindowMs ?? 60_000),
    // The expiring app's FX quotes expire as fast as its confirmation window.
    FX_QUOTE_TTL_MS: String(deps.confirmationWindowMs ?? 60_000),
    PROVIDER_SUBMIT_ATTEMPTS: '3',
    PROVIDER_RETRY_INTERVAL_MS: '100',
    PROVIDER_DECISION_ATTEMPTS: '40',
    ...WORKER_ENV,
    // Webhook retries quickly, so the delivery path records a refused attempt and its retry in seconds.
    WEBHOOK_RETRY_INITIAL_MS: '300',
    WEBHOOK_RETRY_MAX_INTERVAL_MS: '1000',
    // One recorder run is many writes from few callers in a minute.
    WRITE_LIMIT_CLIENT_PER_MINUTE: '1000',
    WRITE_LIMIT_SYSTEM_PER_MINUTE: '100000',
    WRITE_LIMIT_OPS_PER_MINUTE: '10000',
  });
  const errors: unknown[] = [];
  // The recorder signs its own tokens, so it checks them with the HS256 secret, never a JWKS.
  const jwtSecret = config.jwtSecret;
  if (!jwtSecret) throw new Error('JWT_SECRET is needed to sign the recorder tokens (unset JWT_JWKS_URL)');
  const app = createApp({
    ...appDepsFrom(config, {
      sql: deps.sql,
      temporal: deps.temporal,
      notifier: createLocalNotifier(deps.sql),
      logError: (error) => {
        errors.push(error);
        console.error('unexpected API error', error);
      },
    }),
    auth: { ...config.auth, jwksUrl: undefined, secret: jwtSecret },
    localNotifier: true,
  });
  const token = (role: Role, sub: string) => issueToken(jwtSecret, { role, sub });
  const tokens = { system: await token('system', 'recorder-system'), ops: await token('ops', 'recorder-ops') };

  async function request<T = any>(method: string, path: string, body?: unknown, call: Call = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...call.headers, authorization: `Bearer ${call.token ?? tokens.system}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const answer = { status: res.status, body: text ? JSON.parse(text) : null };
    if (call.expect !== undefined && answer.status !== call.expect) {
      throw new Error(`${method} ${path} answered ${answer.status}, expected ${call.expect}: ${text}`);
    }
    return answer;
  }

  const api = {
    tokens,
    token,
    errors,
    get: <T = any>(path: string, call?: Call) => request<T>('GET', path, undefined, call),
    post: <T = any>(path: string, body?: unknown, call?: Call) => request<T>('POST', path, body, call),
    put: <T = any>(path: string, body?: unknown, call?: Call) => request<T>('PUT', path, body, call),
    delete: <T = any>(path: string, call?: Call) => request<T>('DELETE', path, undefined, call),
  };
  return { ...api, ...bankHelpers(api) };
}

type BareApi = {
  tokens: { system: string; ops: string };
  token: (role: Role, sub: string) => Promise<string>;
  get: <T = any>(path: string, call?: Call) => Promise<Answer<T>>;
  post: <T = any>(path: string, body?: unknown, call?: Call) => Promise<Answer<T>>;
};

/** The fixtures of test/support/bankFixtures.ts without vitest's expect. */
function bankHelpers(api: BareApi) {
  async function internalAccount(currency: string, purpose: string): Promise<{ id: string }> {
    const found = await api.post('/v2/ledger/internal/Accounts/search', { kind: 'internal', currency, purpose }, { expect: 200 });
    return found.body.value.items[0];
  }

  /** A client with a current account, funded from the settlement account, and its own token. */
  async function customer(funding: string | null, currency = 'EUR') {
    const client = await api.post(
      '/internal/Clients',
      { type: 'individual', firstName: 'Grace', lastName: 'Hopper', email: `grace-${randomUUID()}@example.com`, country: 'US' },
      { expect: 201 },
    );
    const clientId: string = client.body.value.id;
    const account = await api.post('/v2/internal/Accounts', { clientId, currency, purpose: 'current', name: 'Current' }, { expect: 201 });
    const id: string = account.body.value.id;
    if (funding) {
      const settlement = await internalAccount(currency, 'settlement');
      await api.post(
        '/internal/Payments',
        { debitAccountId: settlement.id, creditAccountId: id, amount: funding, currency, description: 'funding' },
        { expect: 201 },
      );
    }
    const ledgerAccount = await api.get(`/v2/ledger/internal/Accounts/${id}`, { expect: 200 });
    const bearer = await api.token('client', clientId);
    return { clientId, id, accountNumber: ledgerAccount.body.value.accountNumber as string, token: bearer };
  }

  /** The last one-time code the notifier sent to the client. */
  async function lastCode(clientId: string): Promise<string> {
    const res = await api.get(`/internal/Notifications?clientId=${clientId}&limit=1`, { expect: 200 });
    const match = /code is (\d{6})/.exec(res.body.value.items[0]?.body ?? '');
    if (!match?.[1]) throw new Error(`no code was sent to client ${clientId}`);
    return match[1];
  }

  /** Polls an outgoing transfer until its status is one of `wanted`. */
  async function waitForTransfer(transferId: string, wanted: string[], timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await api.get(`/internal/Transfers/outgoing/${transferId}`, { expect: 200 });
      if (wanted.includes(res.body.value.status)) return res.body.value;
      if (Date.now() > deadline) throw new Error(`transfer ${transferId} is ${res.body.value.status}, not ${wanted.join('/')}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  return { internalAccount, customer, lastCode, waitForTransfer };
}

export type RecorderApi = Awaited<ReturnType<typeof createRecorderApi>>;
