import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { type AppOptions, createApp } from '../../api/app';
import type { Sql } from '../../ledger/db';
import { testAppDeps, token } from '../support/api';

/**
 * The app as test/support/api.ts builds it, but on a Temporal client of the test's choosing (one
 * with the tracing interceptors, or one that does not answer), for the observability tests.
 */
export async function observedApp(sql: Sql, temporal: Client, taskQueue: string, options: AppOptions = {}) {
  const errors: unknown[] = [];
  const app = createApp(testAppDeps({ sql, temporal, taskQueue, errors }), options);
  const system = await token('system', 'test-system');

  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${system}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
        ...headers,
      },
      body: payload,
    });
    const text = await res.text();
    const json = text !== '' && /json/i.test(res.headers.get('content-type') ?? '');
    return { status: res.status, headers: res.headers, text, body: json ? JSON.parse(text) : null };
  }

  /** A client with a current account in the currency, funded from the settlement account. */
  async function fundedAccount(currency: string, amount: string) {
    const client = await request('POST', '/internal/Clients', {
      type: 'individual',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: `ada-${randomUUID()}@example.com`,
      country: 'GB',
    });
    if (client.status !== 201) throw new Error(`client: ${client.text}`);
    const account = await request('POST', '/v2/internal/Accounts', {
      clientId: client.body.value.id,
      currency,
      purpose: 'current',
      name: 'Main',
    });
    if (account.status !== 201) throw new Error(`account: ${account.text}`);
    const settlement = await request('POST', '/v2/ledger/internal/Accounts/search', { kind: 'internal', currency, purpose: 'settlement' });
    const funding = await request('POST', '/internal/Payments', {
      debitAccountId: settlement.body.value.items[0].id,
      creditAccountId: account.body.value.id,
      amount,
      currency,
    });
    if (funding.status !== 201) throw new Error(`funding: ${funding.text}`);
    return {
      clientId: client.body.value.id as string,
      id: account.body.value.id as string,
      settlementId: settlement.body.value.items[0].id as string,
    };
  }

  return { app, errors, request, fundedAccount };
}
