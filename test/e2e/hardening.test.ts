import { randomUUID } from 'node:crypto';
import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET } from '../../config/env';
import { createTestApi, token } from '../support/api';
import { openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

/**
 * Classes of hostile input an outside probe tried, each closed everywhere rather than case by
 * case: tokens whose claims are odd, public routes that must not read a caller, cursors and
 * limits out of range. Every answer is a 4xx envelope, never a 5xx.
 */
const api = useTestApi();
const now = () => Math.floor(Date.now() / 1000);
const signed = (claims: Record<string, unknown>) => sign(claims, LOCAL_JWT_SECRET, 'HS256');

function expectCode(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.errors[0].metadata.code).toBe(code);
}

describe('tokens are checked claim by claim', () => {
  it('refuses tokens without exp, living too long, with an odd role or sub, or naming no client (401)', async () => {
    const client = await openAccount(api(), 'EUR');
    const cases: [string, Record<string, unknown>][] = [
      ['no exp', { sub: 'x', role: 'system' }],
      ['exp past the maximum lifetime', { sub: 'x', role: 'system', exp: now() + 400 * 24 * 3600 }],
      ['no sub', { role: 'system', exp: now() + 60 }],
      ['empty sub', { sub: '', role: 'system', exp: now() + 60 }],
      ['sub of another type', { sub: 42, role: 'system', exp: now() + 60 }],
      ['unknown role', { sub: 'x', role: 'admin', exp: now() + 60 }],
      ['client sub not a UUID', { sub: 'not-a-uuid', role: 'client', exp: now() + 60 }],
      ['client sub a UUID of no client', { sub: randomUUID(), role: 'client', exp: now() + 60 }],
      ['client sub with SQL in it', { sub: "' OR 1=1 --", role: 'client', exp: now() + 60 }],
      ['system sub with a NUL', { sub: 'ops\u0000x', role: 'system', exp: now() + 60 }],
      ['ops sub of 10,000 characters', { sub: 'x'.repeat(10_000), role: 'ops', exp: now() + 60 }],
    ];
    for (const [name, claims] of cases) {
      for (const path of ['/Transfers', '/Recipients', '/internal/Payments']) {
        const res = await api().get(path, { token: await signed(claims) });
        expect(res.status, `${name} on ${path}: ${res.text}`).toBe(401);
        expect(res.body.errors[0].metadata.code).toBe('UNAUTHENTICATED');
      }
    }
    const posted = await api().post(
      '/Recipients',
      { name: 'R', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      {
        token: await signed({ sub: randomUUID(), role: 'client', exp: now() + 60 }),
      },
    );
    expectCode(posted, 401, 'UNAUTHENTICATED');
    // A client id in upper case is the same client: it sees its own data, not a 404 or a 500.
    const upper = { token: await signed({ sub: client.clientId.toUpperCase(), role: 'client', exp: now() + 60 }) };
    expect((await api().get('/Client', upper)).body.value.id).toBe(client.clientId);
    expect((await api().get(`/Accounts/${client.id}`, upper)).status).toBe(200);
    // The same claims for an existing client pass.
    expect((await api().get('/Transfers', { token: await token('client', client.clientId) })).status).toBe(200);
  });

  it('refuses a token signed with alg none or a malformed bearer', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'x', role: 'system', exp: now() + 60 })).toString('base64url');
    for (const bearer of [`${header}.${payload}.`, 'a.b.c', '', 'x'.repeat(5000)]) {
      const res = await api().get('/internal/Payments', { token: null, headers: { authorization: `Bearer ${bearer}` } });
      expectCode(res, 401, 'UNAUTHENTICATED');
    }
  });
});

describe('public routes never read the caller', () => {
  it('answers POST /health with an Idempotency-Key and no token with a 404 envelope, not a 500', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await api().request(method, '/health', {}, { token: null, headers: { 'Idempotency-Key': 'k1' } });
      expect(res.status, `${method} /health`).toBe(404);
      expect(res.body.isFailed).toBe(true);
    }
    expect((await api().get('/health', { token: null, headers: { 'Idempotency-Key': 'k1' } })).status).toBe(200);
  });

  it('serves /metrics to system and ops tokens only', async () => {
    expectCode(await api().get('/metrics', { token: null }), 401, 'UNAUTHENTICATED');
    const client = await openAccount(api(), 'EUR');
    expectCode(await api().get('/metrics', { token: await token('client', client.clientId) }), 403, 'FORBIDDEN');
    // The body is Prometheus text, not an envelope: read it raw.
    for (const bearer of [api().tokens.system, api().tokens.ops]) {
      const raw = await api().app.request('/metrics', { headers: { authorization: `Bearer ${bearer}` } });
      expect(raw.status).toBe(200);
      expect(await raw.text()).toContain('http_request_duration_seconds');
    }
  });
});

describe('cursors and limits are decoded and range-checked', () => {
  const encode = (text: string) => Buffer.from(text).toString('base64url');
  it.each([
    ['past bigint', encode('s:9999999999999999999')],
    ['negative', encode('s:-1')],
    ['not ours', encode('hello')],
    ['not base64', '%%%'],
    ['NUL inside', encode('s:1\u0000')],
    ['very long', 'A'.repeat(101)],
  ])('a cursor %s is 400 on every list', async (_name, cursor) => {
    for (const path of ['/internal/Payments', '/internal/Transfers', '/internal/Clients', '/internal/Transactions']) {
      const res = await api().get(`${path}?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.body.errors[0].metadata).toMatchObject({ code: 'VALIDATION_ERROR', field: 'cursor' });
    }
  });

  it.each(['0', '-1', '501', '1.5', 'NaN', '1e3', '99999999999999999999'])('a limit of %s is 400', async (limit) => {
    const res = await api().get(`/internal/Payments?limit=${limit}`);
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].metadata.field).toBe('limit');
  });
});

describe('control characters never reach the database or a workflow', () => {
  type Schema = { type?: string | string[]; pattern?: string; enum?: unknown[]; format?: string; const?: unknown; [k: string]: any };

  /** Every string a caller can send, as the OpenAPI document declares it. */
  function stringsIn(schema: Schema | undefined, path: string, doc: any, out: [string, Schema][]) {
    if (!schema) return;
    if (schema.$ref) return stringsIn(doc.components.schemas[schema.$ref.split('/').pop()], path, doc, out);
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.includes('string')) out.push([path, schema]);
    for (const [name, child] of Object.entries(schema.properties ?? {})) stringsIn(child as Schema, `${path}.${name}`, doc, out);
    if (schema.items) stringsIn(schema.items, `${path}[]`, doc, out);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) for (const child of schema[key] ?? []) stringsIn(child, path, doc, out);
  }

  it('declares every string input with a pattern, an enum or a strict format', async () => {
    const doc = (await api().get('/openapi.json', { token: null })).body as any;
    const strings: [string, Schema][] = [];
    for (const [path, operations] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(operations)) {
        for (const p of op.parameters ?? []) stringsIn(p.schema, `${method.toUpperCase()} ${path} ${p.in}:${p.name}`, doc, strings);
        stringsIn(op.requestBody?.content?.['application/json']?.schema, `${method.toUpperCase()} ${path} body`, doc, strings);
      }
    }
    expect(strings.length).toBeGreaterThan(40);
    // Amounts may also be JSON numbers; they are parsed by one strict decimal grammar (domain/money.ts).
    const strict = (s: Schema) =>
      s.pattern || s.enum || s.const !== undefined || ['uuid', 'date-time', 'email', 'date'].includes(s.format ?? '');
    const loose = strings.filter(
      ([where, s]) =>
        !strict(s) && !/\.(amount|sellAmount|buyAmount|overdraftLimit|minBalance|maxBalance|minAvailable|maxAvailable)$/.test(where),
    );
    expect(loose.map(([where]) => where)).toEqual([]);
  });

  it.each([
    [
      'a client name',
      'POST',
      '/internal/Clients',
      { type: 'individual', firstName: 'A\u0000', lastName: 'B', email: 'a@example.com', country: 'GB' },
      'firstName',
    ],
    [
      'a recipient name',
      'POST',
      '/Recipients',
      { name: 'R\u0000', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      'name',
    ],
    [
      'an incoming senderName',
      'POST',
      '/internal/IncomingRequests',
      { providerReference: 'PR-x', amount: '1', currency: 'EUR', senderName: 'A\u0000', receiverIban: 'DE02120300000000202051' },
      'senderName',
    ],
    [
      'an incoming providerReference',
      'POST',
      '/internal/IncomingRequests',
      { providerReference: 'PR\u0007', amount: '1', currency: 'EUR', receiverIban: 'DE02120300000000202051' },
      'providerReference',
    ],
  ])('refuses a control character in %s with 400 naming the field, at once', async (_what, method, path, body, field) => {
    const client = await openAccount(api(), 'EUR', '10.00');
    const as = path.startsWith('/internal') ? {} : { token: await token('client', client.clientId) };
    const started = Date.now();
    const res = await api().request(method, path, body, as);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].metadata).toMatchObject({ code: 'VALIDATION_ERROR', field });
  });

  it('refuses a control character in a payment description and a transfer reference, at once', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    for (const bad of ['pay\u0000', 'pay\u001b[31m', 'line\nbreak', 'del\u007f', 'c1\u0085']) {
      const payment = await api().post('/internal/Payments', {
        debitAccountId: a.id,
        creditAccountId: b.id,
        amount: '1',
        currency: 'EUR',
        description: bad,
      });
      expect(payment.status, JSON.stringify(bad)).toBe(400);
      expect(payment.body.errors[0].metadata.field).toBe('description');
      const transfer = await api().post(
        '/Transfers/outgoing',
        {
          accountId: a.id,
          amount: '1',
          currency: 'EUR',
          reference: bad,
          recipient: { name: 'R', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
        },
        { token: await token('client', a.clientId) },
      );
      expect(transfer.status).toBe(400);
      expect(transfer.body.errors[0].metadata.field).toBe('reference');
    }
    // Ordinary non-ASCII text is fine.
    const ok = await api().post('/internal/Payments', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '1',
      currency: 'EUR',
      description: 'Zürich – 東京 ✓',
    });
    expect(ok.status, ok.text).toBe(201);
  });
});

describe('a currency the ledger does not hold', () => {
  it('is 422 CURRENCY_NOT_SUPPORTED on every route that takes a currency', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const as = { token: await token('client', a.clientId) };
    const recipient = { name: 'R', iban: 'DE89370400440532013000', country: 'DE' };
    const calls: [string, string, unknown, object][] = [
      ['POST', '/v2/internal/Accounts', { clientId: a.clientId, currency: 'AUD', purpose: 'current', name: 'A' }, {}],
      ['POST', '/Accounts', { currency: 'AUD', purpose: 'current', name: 'A' }, as],
      ['GET', '/internal/Recipients?currency=AUD', undefined, {}],
      ['GET', '/v2/ledger/internal/Accounts/getAggregatedAmounts?currency=AUD', undefined, {}],
      ['POST', '/v2/ledger/internal/Accounts/search', { currency: 'AUD' }, {}],
      ['POST', '/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'AUD' }, {}],
      ['POST', '/internal/Payments/draft', { debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'AUD' }, {}],
      ['POST', '/Recipients', { ...recipient, currency: 'AUD' }, as],
      ['GET', '/Recipients?currency=AUD', undefined, as],
      ['GET', '/Transfers/type?recipientAccount=DE89370400440532013000&currency=AUD', undefined, as],
      ['POST', '/Transfers/outgoing', { accountId: a.id, amount: '1', currency: 'AUD', recipient: { ...recipient, currency: 'AUD' } }, as],
      [
        'POST',
        '/internal/IncomingRequests',
        { providerReference: `PR-${randomUUID()}`, amount: '1', currency: 'AUD', receiverIban: 'DE02120300000000202051' },
        {},
      ],
    ];
    for (const [method, path, body, opts] of calls) {
      const res = await api().request(method, path, body, opts);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(422);
      expect(res.body.errors[0].metadata.code).toBe('CURRENCY_NOT_SUPPORTED');
    }
    // Every operation whose input names a currency is in the table above.
    const doc = (await api().get('/openapi.json', { token: null })).body as any;
    const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);
    const takesCurrency = Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<any>(ops)
        .filter(([, op]) => {
          const body = resolve(op.requestBody?.content?.['application/json']?.schema);
          return (op.parameters ?? []).some((p: any) => p.name === 'currency') || body?.properties?.currency !== undefined;
        })
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    const covered = calls.map(([method, path]) => `${method} ${path.split('?')[0]}`);
    expect(takesCurrency.filter((op) => !covered.includes(op))).toEqual([]);
  });
});

describe('writes per caller are limited, across API processes', () => {
  it('answers the 121st write of a client within a minute with 429 RATE_LIMITED and Retry-After, whichever process serves it', async () => {
    const client = await openAccount(api(), 'EUR');
    const as = { token: await token('client', client.clientId) };
    // A second API process on the same database: the count is shared through Postgres.
    const other = await createTestApi();
    try {
      const statuses: number[] = [];
      let refused: Awaited<ReturnType<typeof other.post>> | undefined;
      // Up to twice the limit: a run that crosses into the next clock minute starts a new count.
      for (let i = 0; i < 245 && !refused; i++) {
        const via = i % 2 === 0 ? api() : other;
        const res = await via.post('/Recipients', { name: `R${i}`, iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' }, as);
        statuses.push(res.status);
        if (res.status === 429) refused = res;
      }
      // The window is a clock minute: a run that crosses into the next one may allow a few more.
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(120);
      expect(refused?.body.errors[0].metadata.code).toBe('RATE_LIMITED');
      const retryAfter = Number(refused?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Reads are not limited, and another client is not affected.
      expect((await api().get('/Recipients', as)).status).toBe(200);
      const someoneElse = await openAccount(api(), 'EUR');
      const theirs = await api().post(
        '/Recipients',
        { name: 'R', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
        {
          token: await token('client', someoneElse.clientId),
        },
      );
      expect(theirs.status).toBe(201);
    } finally {
      await other.close();
    }
  });
});

describe('writes that changed nothing are counted apart from writes', () => {
  const recipient = { name: 'R', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' };
  /** A write that changes nothing: confirming a transfer that does not exist (404). */
  const missing = (as: { token: string }) => api().put(`/Transfers/outgoing/${randomUUID()}/confirm`, { code: '123456' }, as);

  it("a client's 120 honest 404s within a minute leave all its writes; its writes leave all its refused attempts", async () => {
    const client = await openAccount(api(), 'EUR');
    const as = { token: await token('client', client.clientId) };
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) statuses.push((await missing(as)).status);
    expect(new Set(statuses)).toEqual(new Set([404]));
    // Counted as the other class, they used up none of the 120 writes.
    for (let i = 0; i < 120; i++) statuses.push((await api().post('/Recipients', { ...recipient, name: `R${i}` }, as)).status);
    expect(statuses.slice(120).filter((s) => s === 201)).toHaveLength(120);
    const rows = await api().sql<{ scope: string; count: number }[]>`
      SELECT scope, sum(count)::int AS count FROM rate_limit_windows WHERE scope LIKE ${`%:client:${client.clientId}`} GROUP BY scope`;
    expect(Object.fromEntries(rows.map((r) => [r.scope.split(':')[0], r.count]))).toEqual({ write: 120, refused: 120 });
  });

  it('refused attempts have a limit of their own: past it the client is 429 until the minute ends', async () => {
    const client = await openAccount(api(), 'EUR');
    const as = { token: await token('client', client.clientId) };
    let limited: Awaited<ReturnType<typeof missing>> | undefined;
    let refused = 0;
    // 120 a minute; a run that crosses into the next clock minute may take up to twice that.
    for (let i = 0; i < 245 && !limited; i++) {
      const res = await missing(as);
      if (res.status === 429) limited = res;
      else refused += 1;
    }
    expect(refused).toBeGreaterThanOrEqual(120);
    expect(limited?.body.errors[0]).toMatchObject({ metadata: { code: 'RATE_LIMITED' }, message: expect.stringMatching(/refused/) });
    const retryAfter = Number(limited?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // Within the same minute a write is refused as well (checked only when the minute is not ending).
    if (retryAfter >= 3) expect((await api().post('/Recipients', recipient, as)).status).toBe(429);
  });
});

describe('timestamps and dates outside the years a database can hold', () => {
  it.each(['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00Z'])('a list filter from=%s is 400', async (from) => {
    for (const path of ['/internal/Payments', '/internal/Transfers', '/internal/Transactions']) {
      const res = await api().get(`${path}?from=${encodeURIComponent(from)}`);
      expect(res.status, `${path}: ${res.text}`).toBe(400);
    }
    const asOf = await api().post('/internal/Accounts/calculateBalances', { accountIds: [randomUUID()], asOf: from });
    expect(asOf.status, asOf.text).toBe(400);
  });
});
