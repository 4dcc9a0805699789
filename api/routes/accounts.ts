import { createRoute, z } from '@hono/zod-openapi';
import { isLedgerCurrency } from '../../domain/currency';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../../domain/errors';
import { newId } from '../../domain/ids';
import { formatAmount, parseAmount, parseSignedAmount } from '../../domain/money';
import { toPage, toPageRequest } from '../../domain/paging';
import {
  type AccountFilter,
  aggregatedAmounts,
  balancesOf,
  CLIENT_PURPOSES,
  createAccount,
  getAccount,
  INTERNAL_PURPOSES,
  searchAccounts,
} from '../../ledger/accounts';
import { countersAsOf, recalculateCounters } from '../../ledger/consistency';
import { PgCode, pgErrorCode } from '../../ledger/db';
import { getClient } from '../../store/clients';
import { success } from '../envelope';
import { type AppDeps, jsonBody, newRouter, optionalBody, responses, security } from '../router';
import { AmountIn, AmountOut, Currency, PageQuery, pageOf, Timestamp, TimestampIn, Uuid } from '../schemas';
import { accountView } from '../views';

const Kind = z.enum(['client', 'internal']);
const Purpose = z.enum([...CLIENT_PURPOSES, ...INTERNAL_PURPOSES]);
const Status = z.enum(['active', 'blocked', 'closed']);

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

const CreateAccountBody = z
  .object({
    clientId: Uuid.optional().openapi({ description: 'required for kind client' }),
    kind: Kind.default('client'),
    currency: Currency,
    purpose: Purpose,
    name: z.string().trim().min(1).max(200),
    overdraftLimit: AmountIn.optional(),
  })
  .superRefine((body, ctx) => {
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
  })
  .openapi('CreateAccount');

const SearchBody = z
  .object({
    clientId: Uuid.optional(),
    currency: Currency.optional(),
    kind: Kind.optional(),
    purpose: Purpose.optional(),
    status: Status.optional(),
    accountNumbers: z.array(z.string().max(34)).min(1).max(500).optional(),
    minBalance: AmountIn.optional(),
    maxBalance: AmountIn.optional(),
    minAvailable: AmountIn.optional(),
    maxAvailable: AmountIn.optional(),
    limit: PageQuery.limit,
    cursor: PageQuery.cursor,
  })
  .openapi('AccountSearch');

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

const RecalculateBody = z.object({ accountIds: z.array(Uuid).min(1).max(1000).optional() }).openapi('Recalculate');

const BalanceAsOfSchema = z
  .object({ accountId: Uuid, currency: z.string(), asOf: Timestamp, balance: AmountOut, held: AmountOut, incoming: AmountOut })
  .openapi('BalanceAsOf');

export function accountRoutes(deps: AppDeps) {
  const router = newRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/v2/internal/Accounts',
      tags: ['Accounts'],
      summary: 'Create an account for a client, or an internal account',
      security,
      request: jsonBody(CreateAccountBody),
      responses: responses(201, AccountSchema, 'The new account', [404, 409, 422]),
    }),
    async (c) => {
      const body = c.req.valid('json');
      if (!isLedgerCurrency(body.currency)) {
        throw new DomainError(ErrorCode.CURRENCY_NOT_SUPPORTED, `the ledger does not keep ${body.currency} accounts`, {
          field: 'currency',
        });
      }
      if (body.clientId !== undefined) {
        const client = await getClient(deps.sql, body.clientId);
        if (!client) throw new NotFoundError('client', body.clientId);
        if (client.status !== 'active') throw new DomainError(ErrorCode.CLIENT_BLOCKED, `client ${client.id} is ${client.status}`);
      }
      const overdraftLimit =
        body.overdraftLimit === undefined
          ? 0n
          : parseAmount(body.overdraftLimit, body.currency, { field: 'overdraftLimit', allowZero: true });
      try {
        const account = await createAccount(deps.sql, {
          id: newId(),
          clientId: body.clientId ?? null,
          currency: body.currency,
          kind: body.kind,
          purpose: body.purpose,
          name: body.name,
          overdraftLimit,
        });
        return c.json(success(accountView(account)), 201);
      } catch (error) {
        if (pgErrorCode(error) === PgCode.UNIQUE_VIOLATION) {
          throw new DomainError(ErrorCode.ALREADY_EXISTS, `an internal ${body.purpose} account in ${body.currency} exists`);
        }
        throw error;
      }
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/v2/ledger/internal/Accounts/getAggregatedAmounts',
      tags: ['Accounts'],
      summary: 'Per currency and kind/purpose: sums of balance, held, incoming, available and the count',
      security,
      request: { query: z.object({ currency: Currency.optional() }) },
      responses: responses(200, z.array(AggregateSchema), 'Sums per group'),
    }),
    async (c) => {
      const rows = await aggregatedAmounts(deps.sql, c.req.valid('query').currency);
      const value = rows.map((r) => ({
        currency: r.currency,
        kind: r.kind,
        purpose: r.purpose,
        count: Number(r.count),
        balance: formatAmount(r.balance, r.currency),
        held: formatAmount(r.held, r.currency),
        incoming: formatAmount(r.incoming, r.currency),
        available: formatAmount(r.available, r.currency),
      }));
      return c.json(success(value), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/v2/ledger/internal/Accounts/{accountId}',
      tags: ['Accounts'],
      summary: 'Ledger view of one account with its balances',
      security,
      request: { params: z.object({ accountId: Uuid }) },
      responses: responses(200, AccountSchema, 'The account', [404]),
    }),
    async (c) => {
      const { accountId } = c.req.valid('param');
      const account = await getAccount(deps.sql, accountId);
      if (!account) throw new NotFoundError('account', accountId);
      return c.json(success(accountView(account)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/v2/ledger/internal/Accounts/search',
      tags: ['Accounts'],
      summary: 'Accounts matching a filter, in creation order; balance ranges need currency',
      security,
      request: jsonBody(SearchBody),
      responses: responses(200, pageOf(AccountSchema), 'A page of accounts'),
    }),
    async (c) => {
      const body = c.req.valid('json');
      const filter: AccountFilter = {
        clientId: body.clientId,
        currency: body.currency,
        kind: body.kind,
        purpose: body.purpose,
        status: body.status,
        accountNumbers: body.accountNumbers,
      };
      for (const field of ['minBalance', 'maxBalance', 'minAvailable', 'maxAvailable'] as const) {
        const value = body[field];
        if (value === undefined) continue;
        if (body.currency === undefined) throw new ValidationError('balance ranges need a currency', 'currency');
        filter[field] = parseSignedAmount(value, body.currency, field);
      }
      const page = toPageRequest(body.limit, body.cursor);
      return c.json(success(toPage(await searchAccounts(deps.sql, filter, page), page.limit, accountView)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/v2/internal/Accounts/recalculate',
      tags: ['Accounts'],
      summary: 'Rebuild balances from the journal for accountIds (or all); reports and fixes every difference',
      security,
      request: jsonBody(RecalculateBody, false),
      responses: responses(200, RecalculationSchema, 'What differed (now fixed)'),
    }),
    async (c) => {
      const { accountIds } = await optionalBody(c, RecalculateBody);
      const differences = await recalculateCounters(deps.sql, accountIds);
      const currencies = await currencyOf(
        deps,
        differences.map((d) => d.accountId),
      );
      const checked = accountIds?.length ?? Number((await deps.sql<[{ n: bigint }]>`SELECT count(*) AS n FROM accounts`)[0].n);
      return c.json(
        success({
          checked,
          differences: differences.map((d) => {
            const currency = currencies.get(d.accountId) as string;
            const fmt = (x: typeof d.stored) => ({
              debitsPending: formatAmount(x.debitsPending, currency),
              debitsPosted: formatAmount(x.debitsPosted, currency),
              creditsPending: formatAmount(x.creditsPending, currency),
              creditsPosted: formatAmount(x.creditsPosted, currency),
            });
            return { accountId: d.accountId, currency, stored: fmt(d.stored), journal: fmt(d.journal) };
          }),
        }),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/internal/Accounts/calculateBalances',
      tags: ['Accounts'],
      summary: 'Balances as of a moment, from the journal',
      security,
      request: jsonBody(z.object({ accountIds: z.array(Uuid).min(1).max(500), asOf: TimestampIn }).openapi('CalculateBalances')),
      responses: responses(200, z.array(BalanceAsOfSchema), 'Balance per account as of asOf', [404]),
    }),
    async (c) => {
      const { accountIds, asOf } = c.req.valid('json');
      const at = new Date(asOf);
      const currencies = await currencyOf(deps, accountIds);
      const missing = accountIds.find((id) => !currencies.has(id));
      if (missing) throw new NotFoundError('account', missing);
      const rows = await countersAsOf(deps.sql, accountIds, at);
      const value = rows.map((r) => {
        const currency = currencies.get(r.accountId) as string;
        const b = balancesOf({ ...r, overdraftLimit: 0n });
        return {
          accountId: r.accountId,
          currency,
          asOf: at.toISOString(),
          balance: formatAmount(b.balance, currency),
          held: formatAmount(b.held, currency),
          incoming: formatAmount(b.incoming, currency),
        };
      });
      return c.json(success(value), 200);
    },
  );

  return router;
}

async function currencyOf(deps: AppDeps, accountIds: string[]): Promise<Map<string, string>> {
  if (accountIds.length === 0) return new Map();
  const rows = await deps.sql<{ id: string; currency: string }[]>`SELECT id, currency FROM accounts WHERE id = ANY(${accountIds}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r.currency]));
}
