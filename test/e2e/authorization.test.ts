import { randomUUID } from 'node:crypto';
import { sign } from 'hono/jwt';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET } from '../../config/env';
import { token } from '../support/api';
import { openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

/**
 * The authorization matrix of docs/api.md: every route called with no token, an expired token, a token
 * signed with the wrong key, a client token of another client, a system token and an ops token.
 */
type Access = 'public' | 'front' | 'system' | 'ops' | 'provider' | 'shared';
interface Route {
  method: string;
  path: string;
  access: Access;
  /** A FrontOffice route naming a resource (404 for another client) rather than listing its own. */
  ownsResource?: boolean;
  body?: unknown;
}

const api = useTestApi();
let routes: Route[];
const callers: Record<string, string | null> = {};

beforeAll(async () => {
  // The owner's data, which the other client must never see.
  const owner = await openAccount(api(), 'EUR', '50.00');
  const ownerAs = { token: await token('client', owner.clientId) };
  const recipient = await api().post('/Recipients', { name: 'R', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' }, ownerAs);
  const transfer = await api().post(
    '/Transfers/outgoing',
    { accountId: owner.id, recipientId: recipient.body.value.id, amount: '1', currency: 'EUR' },
    ownerAs,
  );
  const t = transfer.body.value.id as string;
  const c = transfer.body.value.confirmationId as string;
  const r = recipient.body.value.id as string;
  const p = randomUUID();
  // An FX transfer of the owner, and a document on its transfer and on the client.
  const usd = await api().post('/v2/internal/Accounts', { clientId: owner.clientId, currency: 'USD', purpose: 'current', name: 'USD' });
  const fxBody = { sourceAccountId: owner.id, targetAccountId: usd.body.value.id, sellAmount: '1' };
  const fx = (await api().post('/Transfers/fx', fxBody, ownerAs)).body.value.id as string;
  const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])]);
  const uploadAs = async (path: string, bearer: string) => {
    const form = new FormData();
    form.append('file', png, 'scan.png');
    const res = await api().app.request(path, { method: 'POST', body: form, headers: { authorization: `Bearer ${bearer}` } });
    return ((await res.json()) as { value: { id: string } }).value.id;
  };
  const d = await uploadAs(`/Transfers/${t}/Documents`, ownerAs.token);
  const kyc = await uploadAs(`/internal/Clients/${owner.clientId}/Documents`, api().tokens.system);

  const now = Math.floor(Date.now() / 1000);
  const other = await openAccount(api(), 'EUR');
  callers.none = null;
  callers.expired = await sign({ sub: 'x', role: 'system', iat: now - 120, exp: now - 60 }, LOCAL_JWT_SECRET, 'HS256');
  callers.wrongKey = await sign({ sub: 'x', role: 'system', exp: now + 600 }, 'a-completely-different-secret-of-32-chars', 'HS256');
  callers.otherClient = await token('client', other.clientId);
  callers.system = api().tokens.system;
  callers.ops = api().tokens.ops;

  routes = [
    { method: 'GET', path: '/health', access: 'public' },
    { method: 'GET', path: '/health/live', access: 'public' },
    { method: 'GET', path: '/health/ready', access: 'public' },
    { method: 'GET', path: '/openapi.json', access: 'public' },
    { method: 'POST', path: '/internal/Clients', access: 'system', body: {} },
    { method: 'GET', path: '/internal/Clients', access: 'system' },
    { method: 'GET', path: `/internal/Clients/${owner.clientId}`, access: 'system' },
    { method: 'POST', path: '/v2/internal/Accounts', access: 'system', body: {} },
    { method: 'GET', path: `/v2/ledger/internal/Accounts/${owner.id}`, access: 'system' },
    { method: 'POST', path: '/v2/ledger/internal/Accounts/search', access: 'system', body: {} },
    { method: 'GET', path: '/v2/ledger/internal/Accounts/getAggregatedAmounts', access: 'system' },
    { method: 'POST', path: '/v2/internal/Accounts/recalculate', access: 'system', body: { accountIds: [owner.id] } },
    {
      method: 'POST',
      path: '/internal/Accounts/calculateBalances',
      access: 'system',
      body: { accountIds: [owner.id], asOf: new Date().toISOString() },
    },
    { method: 'GET', path: '/internal/Transactions', access: 'system' },
    { method: 'POST', path: '/internal/Transactions/query', access: 'system', body: {} },
    { method: 'GET', path: `/internal/Transactions/${p}`, access: 'system' },
    { method: 'POST', path: '/internal/Payments', access: 'system', body: {} },
    { method: 'POST', path: '/internal/Payments/draft', access: 'system', body: {} },
    { method: 'POST', path: `/internal/Payments/${p}/pend`, access: 'system' },
    { method: 'POST', path: `/internal/Payments/${p}/post`, access: 'system' },
    { method: 'POST', path: `/internal/Payments/${p}/cancel`, access: 'system' },
    { method: 'GET', path: `/internal/Payments/${p}`, access: 'system' },
    { method: 'GET', path: '/internal/Payments', access: 'system' },
    { method: 'GET', path: '/Recipients', access: 'front' },
    { method: 'POST', path: '/Recipients', access: 'front', body: {} },
    { method: 'GET', path: `/Recipients/${r}`, access: 'front', ownsResource: true },
    { method: 'PUT', path: `/Recipients/${r}/visibility`, access: 'front', ownsResource: true, body: { hidden: true } },
    { method: 'GET', path: '/Transfers/type?recipientAccount=DE89370400440532013000&currency=EUR', access: 'front' },
    {
      method: 'POST',
      path: '/Transfers/outgoing',
      access: 'front',
      ownsResource: true,
      body: { accountId: owner.id, recipientId: r, amount: '1', currency: 'EUR' },
    },
    { method: 'GET', path: '/Transfers', access: 'front' },
    { method: 'GET', path: `/Transfers/${t}`, access: 'front', ownsResource: true },
    { method: 'GET', path: `/Transfers/outgoing/${t}`, access: 'front', ownsResource: true },
    { method: 'GET', path: `/Transfers/incoming/${t}`, access: 'front', ownsResource: true },
    { method: 'PUT', path: `/Transfers/outgoing/${t}/confirm`, access: 'front', ownsResource: true, body: { code: '123456' } },
    { method: 'DELETE', path: `/Transfers/outgoing/${t}`, access: 'front', ownsResource: true },
    { method: 'GET', path: `/Confirmations/${c}`, access: 'front', ownsResource: true },
    { method: 'POST', path: `/Confirmations/${c}/resend`, access: 'front', ownsResource: true },
    { method: 'GET', path: '/internal/Transfers', access: 'system' },
    { method: 'GET', path: '/internal/Transfers/outgoing', access: 'system' },
    { method: 'GET', path: '/internal/Transfers/incoming', access: 'system' },
    { method: 'GET', path: `/internal/Transfers/outgoing/${t}`, access: 'system' },
    { method: 'GET', path: `/internal/Transfers/incoming/${t}`, access: 'system' },
    { method: 'POST', path: '/internal/IncomingRequests', access: 'system', body: {} },
    { method: 'POST', path: `/internal/Transfers/incoming/${t}/assign`, access: 'ops', body: { accountId: owner.id } },
    { method: 'POST', path: `/internal/Transfers/outgoing/${t}/execute`, access: 'ops', body: { providerReference: 'X' } },
    { method: 'POST', path: `/internal/Transfers/outgoing/${t}/continue`, access: 'ops', body: {} },
    { method: 'POST', path: '/Transfers/fx', access: 'front', ownsResource: true, body: fxBody },
    { method: 'GET', path: `/Transfers/fx/${fx}`, access: 'front', ownsResource: true },
    { method: 'PUT', path: `/Transfers/fx/${fx}/confirm`, access: 'front', ownsResource: true, body: { code: '123456' } },
    { method: 'DELETE', path: `/Transfers/fx/${fx}`, access: 'front', ownsResource: true },
    { method: 'GET', path: '/internal/Transfers/fx', access: 'system' },
    { method: 'GET', path: `/internal/Transfers/fx/${fx}`, access: 'system' },
    { method: 'POST', path: `/internal/Transfers/incoming/${t}/return`, access: 'ops', body: { reason: 'matrix' } },
    { method: 'POST', path: `/Transfers/${t}/Documents`, access: 'front', ownsResource: true, body: {} },
    { method: 'GET', path: `/Transfers/${t}/Documents`, access: 'front', ownsResource: true },
    { method: 'GET', path: `/Transfers/${t}/Documents/${d}`, access: 'front', ownsResource: true },
    { method: 'GET', path: `/internal/Transfers/${t}/Documents`, access: 'system' },
    { method: 'GET', path: `/internal/Transfers/${t}/Documents/${d}`, access: 'system' },
    { method: 'POST', path: `/internal/Clients/${owner.clientId}/Documents`, access: 'system', body: {} },
    { method: 'GET', path: `/internal/Clients/${owner.clientId}/Documents`, access: 'system' },
    { method: 'GET', path: `/internal/Clients/${owner.clientId}/Documents/${kyc}`, access: 'system' },
    { method: 'GET', path: '/internal/Recipients', access: 'system' },
    { method: 'GET', path: `/internal/Recipients/${r}`, access: 'system' },
    { method: 'GET', path: '/internal/Notifications', access: 'system' },
    { method: 'GET', path: '/internal/Holds/stranded', access: 'system' },
    { method: 'GET', path: '/internal/Events?types=payment.*', access: 'system' },
    { method: 'GET', path: `/internal/Events/${p}`, access: 'system' },
    { method: 'POST', path: '/internal/WebhookEndpoints', access: 'system', body: {} },
    { method: 'GET', path: '/internal/WebhookEndpoints', access: 'system' },
    { method: 'GET', path: `/internal/WebhookEndpoints/${p}`, access: 'system' },
    { method: 'PATCH', path: `/internal/WebhookEndpoints/${p}`, access: 'system', body: {} },
    { method: 'DELETE', path: `/internal/WebhookEndpoints/${p}`, access: 'system' },
    { method: 'POST', path: `/internal/WebhookEndpoints/${p}/rotate-secret`, access: 'system' },
    { method: 'POST', path: `/internal/WebhookEndpoints/${p}/test`, access: 'system' },
    { method: 'GET', path: `/internal/WebhookEndpoints/${p}/deliveries`, access: 'system' },
    { method: 'POST', path: `/internal/WebhookEndpoints/${p}/redeliver`, access: 'system', body: {} },
    { method: 'PUT', path: `/internal/Clients/${owner.clientId}`, access: 'system', body: {} },
    { method: 'PUT', path: `/internal/Clients/${p}/block`, access: 'system', body: { reason: 'matrix' } },
    { method: 'PUT', path: `/internal/Clients/${p}/unblock`, access: 'system' },
    { method: 'GET', path: `/internal/Clients/${owner.clientId}/status`, access: 'system' },
    { method: 'GET', path: '/Client', access: 'front' },
    { method: 'POST', path: '/internal/Onboarding/completed', access: 'system', body: {} },
    { method: 'PUT', path: `/internal/Accounts/${p}/block`, access: 'system' },
    { method: 'PUT', path: `/internal/Accounts/${p}/unblock`, access: 'system' },
    { method: 'POST', path: '/Accounts', access: 'front', body: {} },
    { method: 'GET', path: '/Accounts', access: 'front' },
    { method: 'GET', path: `/Accounts/${owner.id}`, access: 'front', ownsResource: true },
    { method: 'PATCH', path: `/Accounts/${owner.id}`, access: 'front', ownsResource: true, body: { name: 'x' } },
    { method: 'DELETE', path: `/Accounts/${owner.id}`, access: 'front', ownsResource: true },
    { method: 'PUT', path: '/Accounts/reorder-accounts', access: 'front', body: {} },
    { method: 'POST', path: '/Accounts/send-otp', access: 'front', body: {} },
    { method: 'POST', path: '/Accounts/otp-verification', access: 'front', body: {} },
    { method: 'GET', path: `/internal/Transactions/report?accountId=${owner.id}&from=2020-01-01&to=2020-01-02`, access: 'system' },
    { method: 'GET', path: `/internal/Transactions/report.csv?accountId=${owner.id}&from=2020-01-01&to=2020-01-02`, access: 'system' },
    { method: 'GET', path: '/internal/AuditLog?resourceType=client', access: 'system' },
    { method: 'POST', path: '/internal/DailyAccountBalance', access: 'system', body: { date: '2020-01-01' } },
    { method: 'GET', path: '/internal/DailyAccountBalance', access: 'system' },
    { method: 'POST', path: '/internal/DailyAccountBalance/recalculate', access: 'system', body: { from: '2020-01-02', to: '2020-01-01' } },
    { method: 'POST', path: '/internal/DailyCheck', access: 'system', body: { date: '2099-01-01' } },
    { method: 'GET', path: '/internal/DailyCheck', access: 'system' },
    { method: 'GET', path: `/internal/DailyCheck/details?checkId=${p}`, access: 'system' },
    { method: 'GET', path: '/internal/Reports/ReconciliationReport?date=2020-01-01', access: 'system' },
    { method: 'GET', path: '/internal/TreasuryManagement/summary', access: 'system' },
    { method: 'POST', path: '/internal/BackgroundJob/AccountBalanceCheckJob', access: 'system' },
    { method: 'GET', path: '/BaasProvider/available-currencies', access: 'shared' },
    { method: 'POST', path: `/internal/Holds/${p}/release`, access: 'ops', body: { note: 'matrix' } },
    { method: 'POST', path: `/internal/Payments/${p}/reverse`, access: 'ops', body: { reason: 'matrix' } },
    { method: 'POST', path: `/internal/Approvals/${p}/approve`, access: 'ops' },
    { method: 'POST', path: `/internal/Approvals/${p}/reject`, access: 'ops', body: { reason: 'matrix' } },
    { method: 'GET', path: `/internal/Approvals/${p}`, access: 'system' },
    { method: 'GET', path: '/internal/Approvals', access: 'system' },
    // What the payment provider reports: the system token only, never a person.
    {
      method: 'POST',
      path: `/internal/Transfers/outgoing/${t}/returned`,
      access: 'provider',
      body: { providerReference: 'X', amount: '1.00', reason: 'matrix' },
    },
  ];
});

/** What docs/api.md prescribes for a caller on a route; 'allowed' is anything but 401/403 (and never 5xx). */
function expected(route: Route, caller: string): number | 'allowed' {
  if (route.access === 'public') return 'allowed';
  if (caller === 'none' || caller === 'expired' || caller === 'wrongKey') return 401;
  // Client, system and ops tokens alike (docs/api.md: BaasProvider currencies).
  if (route.access === 'shared') return 'allowed';
  if (route.access === 'front') {
    if (caller !== 'otherClient') return 403;
    return route.ownsResource ? 404 : 'allowed';
  }
  if (caller === 'otherClient') return 403;
  if (route.access === 'ops' && caller === 'system') return 403;
  if (route.access === 'provider' && caller === 'ops') return 403;
  return 'allowed';
}

describe('authorization matrix', () => {
  it('covers every route of the OpenAPI document', async () => {
    const doc = (await api().get('/openapi.json', { token: null })).body as unknown as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const template = (path: string) => path.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}');
    const covered = new Set(routes.map((r) => `${r.method} ${template(r.path)}`));
    const missing = documented.filter((d) => !covered.has(d.replace(/\{[^}]+\}/g, '{id}')));
    expect(missing).toEqual([]);
  });

  for (const caller of ['none', 'expired', 'wrongKey', 'otherClient', 'system', 'ops']) {
    it(`answers every route as prescribed for caller: ${caller}`, async () => {
      const failures: string[] = [];
      for (const route of routes) {
        const res = await api().request(route.method, route.path, route.body, { token: callers[caller] ?? null });
        const want = expected(route, caller);
        const ok = want === 'allowed' ? ![401, 403].includes(res.status) && res.status < 500 : res.status === want;
        if (!ok) failures.push(`${route.method} ${route.path}: got ${res.status}, want ${want}`);
        if (res.status >= 400) expect(res.body?.isFailed, `${route.method} ${route.path}`).toBe(true);
      }
      expect(failures).toEqual([]);
    });
  }
});
