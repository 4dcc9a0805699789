import { createRoute, z } from '@hono/zod-openapi';
import { formatAmount } from '../../domain/money';
import { toPageRequest } from '../../domain/paging';
import {
  type AccountFilter,
  type AggregatedAmounts,
  type BalanceAsOf,
  CLIENT_PURPOSES,
  type CounterDifference,
  INTERNAL_PURPOSES,
} from '../../usecases/accounts';
import { success } from '../envelope';
import { jsonBody, newRouter, optionalBody, type RouteDeps, responses, security } from '../router';
import { AmountOut, Currency, Name, Timestamp, text, Uuid } from '../schemas';
import { NonNegativeAmountIn, SignedAmountIn, toMinor, toSignedMinor } from '../schemas/amounts';
import { body, documented, enforcedBy, requires } from '../schemas/bodyRules';
import { TimestampIn } from '../schemas/dates';
import { PageBody, pageOf } from '../schemas/paging';
import { accountView } from '../views';

const Kind = z.enum(['client', 'internal']).openapi('AccountKind');
const Purpose = z.enum([...CLIENT_PURPOSES, ...INTERNAL_PURPOSES]).openapi('AccountPurpose');
const Status = z.enum(['active', 'blocked', 'closed']).openapi('AccountStatus');

export const AccountSchema = z
  .object({
    id: Uuid,
    accountNumber: z.string().openapi({ example: '100000000008' }),
    iban: z.string().nullable(),
    clientId: Uuid.nullable(),
    currency: z.string(),
    kind: Kind,
    purpose: Purpose,
    name: z.string(),
    status: Status,
    displayOrder: z.number().int(),
    overdraftLimit: AmountOut,
    balance: AmountOut,
    held: AmountOut,
    incoming: AmountOut,
    available: AmountOut,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Account');

const CreateAccountBody = documented(
  body({
    clientId: Uuid.optional().openapi({ description: 'required for kind client, not allowed for kind internal' }),
    kind: Kind.default('client'),
    currency: Currency,
    purpose: Purpose,
    name: Name,
    overdraftLimit: NonNegativeAmountIn.optional(),
  }).superRefine((body, ctx) => {
    const isClient = body.kind === 'client';
    if (isClient !== (body.clientId !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientId'],
        message: 'clientId is required for a client account and not allowed for an internal one',
      });
    }
    const purposes: readonly string[] = isClient ? CLIENT_PURPOSES : INTERNAL_PURPOSES;
    if (!purposes.includes(body.purpose)) {
      ctx.addIssue({ code: 'custom', path: ['purpose'], message: `purpose of a ${body.kind} account is one of ${purposes.join(', ')}` });
    }
  }),
  'CreateAccount',
  // A client account (the default kind) names its client; an internal one names none.
  enforcedBy({
    anyOf: [
      { properties: { kind: { const: 'client' }, purpose: { enum: CLIENT_PURPOSES } }, required: ['clientId'] },
      {
        properties: { kind: { const: 'internal' }, purpose: { enum: INTERNAL_PURPOSES } },
        required: ['kind'],
        not: { required: ['clientId'] },
      },
    ],
  }),
);

const RANGES = ['minBalance', 'maxBalance', 'minAvailable', 'maxAvailable'] as const;

const SearchBody = documented(
  body({
    clientId: Uuid.optional(),
    currency: Currency.optional(),
    kind: Kind.optional(),
    purpose: Purpose.optional(),
    status: Status.optional(),
    accountNumbers: z.array(text(34)).min(1).max(500).optional(),
    minBalance: SignedAmountIn.optional(),
    maxBalance: SignedAmountIn.optional(),
    minAvailable: SignedAmountIn.optional(),
    maxAvailable: SignedAmountIn.optional(),
    ...PageBody,
  }),
  'AccountSearch',
  requires(Object.fromEntries(RANGES.map((field) => [field, ['currency']])), () => 'balance ranges need a currency'),
);

const AggregateSchema = z
  .object({
    currency: z.string(),
    kind: Kind,
    purpose: Purpose,
    count: z.number().int(),
    balance: AmountOut,
    held: AmountOut,
    incoming: AmountOut,
    available: AmountOut,
  })
  .openapi('AggregatedAmounts');

const CountersSchema = z.object({ debitsPending: AmountOut, debitsPosted: AmountOut, creditsPending: AmountOut, creditsPosted: AmountOut });

const RecalculationSchema = z
  .object({
    checked: z.number().int(),
    differences: z.array(z.object({ accountId: Uuid, currency: z.string(), stored: CountersSchema, journal: CountersSchema })),
  })
  .openapi('Recalculation');

const RecalculateBody = body({ accountIds: z.array(Uuid).min(1).max(1000).optional() }).openapi('Recalculate');

const BalanceAsOfSchema = z
  .object({ accountId: Uuid, currency: z.string(), asOf: Timestamp, balance: AmountOut, held: AmountOut, incoming: AmountOut })
  .openapi('BalanceAsOf');

const createAccountRoute = createRoute({
  method: 'post',
  path: '/v2/internal/Accounts',
  tags: ['Accounts'],
  summary: 'Create an account for a client, or an internal account',
  security,
  request: jsonBody(CreateAccountBody),
  responses: responses(201, AccountSchema, 'The new account', [404, 409, 422]),
});

const aggregatedAmountsRoute = createRoute({
  method: 'get',
  path: '/v2/ledger/internal/Accounts/getAggregatedAmounts',
  tags: ['Accounts'],
  summary: 'Per currency and kind/purpose: sums of balance, held, incoming, available and the count',
  security,
  request: { query: z.object({ currency: Currency.optional() }) },
  responses: responses(200, z.array(AggregateSchema), 'Sums per group'),
});

const getAccountRoute = createRoute({
  method: 'get',
  path: '/v2/ledger/internal/Accounts/{accountId}',
  tags: ['Accounts'],
  summary: 'Ledger view of one account with its balances',
  security,
  request: { params: z.object({ accountId: Uuid }) },
  responses: responses(200, AccountSchema, 'The account', [404]),
});

const searchAccountsRoute = createRoute({
  method: 'post',
  path: '/v2/ledger/internal/Accounts/search',
  tags: ['Accounts'],
  summary: 'Accounts matching a filter, in creation order; balance ranges need currency',
  security,
  request: jsonBody(SearchBody),
  responses: responses(200, pageOf(AccountSchema), 'A page of accounts'),
});

const recalculateRoute = createRoute({
  method: 'post',
  path: '/v2/internal/Accounts/recalculate',
  tags: ['Accounts'],
  summary: 'Rebuild balances from the journal for accountIds (or all); reports and fixes every difference',
  security,
  request: jsonBody(RecalculateBody, false),
  responses: responses(200, RecalculationSchema, 'What differed (now fixed)'),
});

const calculateBalancesRoute = createRoute({
  method: 'post',
  path: '/internal/Accounts/calculateBalances',
  tags: ['Accounts'],
  summary: 'Balances as of a moment, from the journal',
  security,
  request: jsonBody(body({ accountIds: z.array(Uuid).min(1).max(500), asOf: TimestampIn }).openapi('CalculateBalances')),
  responses: responses(200, z.array(BalanceAsOfSchema), 'Balance per account as of asOf', [404]),
});

const aggregateView = (r: AggregatedAmounts) => ({
  currency: r.currency,
  kind: r.kind,
  purpose: r.purpose,
  count: Number(r.count),
  balance: formatAmount(r.balance, r.currency),
  held: formatAmount(r.held, r.currency),
  incoming: formatAmount(r.incoming, r.currency),
  available: formatAmount(r.available, r.currency),
});

const differenceView = (d: CounterDifference) => {
  const counters = (x: CounterDifference['stored']) => ({
    debitsPending: formatAmount(x.debitsPending, d.currency),
    debitsPosted: formatAmount(x.debitsPosted, d.currency),
    creditsPending: formatAmount(x.creditsPending, d.currency),
    creditsPosted: formatAmount(x.creditsPosted, d.currency),
  });
  return { accountId: d.accountId, currency: d.currency, stored: counters(d.stored), journal: counters(d.journal) };
};

const balanceAsOfView = (b: BalanceAsOf) => ({
  accountId: b.accountId,
  currency: b.currency,
  asOf: b.asOf.toISOString(),
  balance: formatAmount(b.balance, b.currency),
  held: formatAmount(b.held, b.currency),
  incoming: formatAmount(b.incoming, b.currency),
});

export function accountRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const accounts = useCases.accounts;

  router.openapi(createAccountRoute, async (c) => {
    const body = c.req.valid('json');
    const overdraftLimit =
      body.overdraftLimit === undefined
        ? 0n
        : await toMinor(body.overdraftLimit, body.currency, { field: 'overdraftLimit', allowZero: true });
    const account = await accounts.create({
      clientId: body.clientId ?? null,
      currency: body.currency,
      kind: body.kind,
      purpose: body.purpose,
      name: body.name,
      overdraftLimit,
    });
    return c.json(success(accountView(account)), 201);
  });

  router.openapi(aggregatedAmountsRoute, async (c) => {
    const rows = await accounts.aggregate(c.req.valid('query').currency);
    return c.json(success(rows.map(aggregateView)), 200);
  });

  router.openapi(getAccountRoute, async (c) => c.json(success(accountView(await accounts.get(c.req.valid('param').accountId))), 200));

  router.openapi(searchAccountsRoute, async (c) => {
    const body = c.req.valid('json');
    const filter: AccountFilter = {
      clientId: body.clientId,
      currency: body.currency,
      kind: body.kind,
      purpose: body.purpose,
      status: body.status,
      accountNumbers: body.accountNumbers,
    };
    for (const field of RANGES) {
      const value = body[field];
      // The schema makes currency present with a range.
      if (value !== undefined && body.currency !== undefined) filter[field] = await toSignedMinor(value, body.currency, field);
    }
    const page = await accounts.search(filter, toPageRequest(body.limit, body.cursor));
    return c.json(success({ items: page.items.map(accountView), nextCursor: page.nextCursor }), 200);
  });

  router.openapi(recalculateRoute, async (c) => {
    const { accountIds } = await optionalBody(c, RecalculateBody);
    const { checked, differences } = await accounts.recalculate(accountIds);
    return c.json(success({ checked, differences: differences.map(differenceView) }), 200);
  });

  router.openapi(calculateBalancesRoute, async (c) => {
    const { accountIds, asOf } = c.req.valid('json');
    return c.json(success((await accounts.balancesAsOf(accountIds, new Date(asOf))).map(balanceAsOfView)), 200);
  });

  return router;
}
