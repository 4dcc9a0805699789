import { randomUUID } from 'node:crypto';
import { issueToken } from '../../api/auth';
import type { Role } from '../../domain/caller';
import { RUN_SECRETS } from './builtProcess';

export interface Answer {
  status: number;
  body: any;
}

/** Plain fetch against a built API, with tokens signed by the run's production JWT secret. */
export function httpApi(baseUrl: string) {
  const tokenFor = (role: Role, sub = `${role}-shipped`) => issueToken(RUN_SECRETS.JWT_SECRET, { role, sub });
  async function call(method: string, path: string, body?: unknown, options: { bearer?: string; headers?: Record<string, string> } = {}) {
    const bearer = options.bearer ?? (await tokenFor('system'));
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined } as Answer;
  }
  return {
    tokenFor,
    get: (path: string, options?: { bearer?: string }) => call('GET', path, undefined, options),
    post: (path: string, body?: unknown, options?: { bearer?: string; headers?: Record<string, string> }) =>
      call('POST', path, body, options),
    put: (path: string, body?: unknown, options?: { bearer?: string }) => call('PUT', path, body, options),
  };
}

export type HttpApi = ReturnType<typeof httpApi>;

/** A client with a current account funded from the settlement account (a payment at once). */
export async function fundedCustomer(api: HttpApi, funding: string) {
  const client = await api.post('/internal/Clients', {
    type: 'individual',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `ada-${randomUUID()}@example.com`,
    country: 'GB',
  });
  if (client.status !== 201) throw new Error(`client: ${client.status} ${JSON.stringify(client.body)}`);
  const account = await api.post('/v2/internal/Accounts', {
    clientId: client.body.value.id,
    currency: 'EUR',
    purpose: 'current',
    name: 'Main',
  });
  if (account.status !== 201) throw new Error(`account: ${account.status} ${JSON.stringify(account.body)}`);
  const settlement = await settlementAccount(api);
  const funded = await api.post(
    '/internal/Payments',
    { debitAccountId: settlement, creditAccountId: account.body.value.id, amount: funding, currency: 'EUR', description: 'funding' },
    { headers: { 'idempotency-key': randomUUID() } },
  );
  if (funded.status !== 201) throw new Error(`funding: ${funded.status} ${JSON.stringify(funded.body)}`);
  return { clientId: client.body.value.id as string, accountId: account.body.value.id as string };
}

export async function settlementAccount(api: HttpApi): Promise<string> {
  const found = await api.post('/v2/ledger/internal/Accounts/search', { kind: 'internal', currency: 'EUR', purpose: 'settlement' });
  return found.body.value.items[0].id as string;
}
