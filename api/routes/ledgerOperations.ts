import { createRoute, z } from '@hono/zod-openapi';
import { toPageRequest } from '../../domain/paging';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { jsonBody, newRouter, optionalBody, type RouteDeps, responses, security } from '../router';
import { Uuid } from '../schemas';
import { body } from '../schemas/bodyRules';
import {
  CheckDetailsSchema,
  CheckRunSchema,
  checkRunView,
  DailyBalanceCursor,
  DailyBalanceSchema,
  DateIn,
  dailyBalanceView,
} from '../schemas/operations';
import { PageQuery, pageOf } from '../schemas/paging';

const DateBody = body({
  date: DateIn.optional().openapi({ description: 'default: yesterday (UTC); today means as of now; a future date is 422' }),
}).openapi('OperationDate');

const Started = z.object({ workflowId: z.string(), date: z.string() }).openapi('SnapshotStarted');
const CheckStarted = z.object({ checkId: Uuid, workflowId: z.string() }).openapi('CheckStarted');

const snapshotRoute = createRoute({
  method: 'post',
  path: '/internal/DailyAccountBalance',
  tags: ['Ledger operations'],
  summary: 'Snapshot end-of-day balances of every account for a date (also daily on the Temporal schedule daily-account-balance)',
  security,
  request: jsonBody(DateBody, false),
  responses: responses(202, Started, 'Accepted: the snapshot workflow runs', [422, 503]),
});

const listBalancesRoute = createRoute({
  method: 'get',
  path: '/internal/DailyAccountBalance',
  tags: ['Ledger operations'],
  summary: 'End-of-day balances by date, then account: opening + credits - debits = closing; each opening is the day before closing',
  security,
  request: {
    query: z.object({
      accountId: Uuid.optional(),
      from: DateIn.optional(),
      to: DateIn.optional(),
      limit: PageQuery.limit,
      cursor: DailyBalanceCursor.optional(),
    }),
  },
  responses: responses(200, pageOf(DailyBalanceSchema), 'A page of daily balances'),
});

const recalculateRoute = createRoute({
  method: 'post',
  path: '/internal/DailyAccountBalance/recalculate',
  tags: ['Ledger operations'],
  summary: 'Rebuild the snapshots of a date range (at most 366 days, none in the future, else 422) from the journal',
  security,
  request: jsonBody(body({ from: DateIn, to: DateIn }).openapi('RecalculateDailyBalances')),
  responses: responses(
    202,
    z.object({ workflowId: z.string(), from: z.string(), to: z.string() }).openapi('RecalculationStarted'),
    'Accepted: the rebuild runs',
    [422, 503],
  ),
});

const startCheckRoute = createRoute({
  method: 'post',
  path: '/internal/DailyCheck',
  tags: ['Ledger operations'],
  summary: 'Run the daily consistency check for a date (also daily on the Temporal schedule daily-check)',
  security,
  request: jsonBody(DateBody, false),
  responses: responses(202, CheckStarted, 'Accepted: the check workflow runs', [422, 503]),
});

const listChecksRoute = createRoute({
  method: 'get',
  path: '/internal/DailyCheck',
  tags: ['Ledger operations'],
  summary: 'Check runs (daily checks and AccountBalanceCheckJobs), newest first, each check with pass/fail and its offending count',
  security,
  request: {
    query: z.object({
      from: DateIn.optional(),
      to: DateIn.optional(),
      kind: z.enum(['daily', 'account_balance']).optional(),
      ...PageQuery,
    }),
  },
  responses: responses(200, pageOf(CheckRunSchema), 'A page of check runs'),
});

const checkDetailsRoute = createRoute({
  method: 'get',
  path: '/internal/DailyCheck/details',
  tags: ['Ledger operations'],
  summary: 'One check run with the offending rows of each check (at most 1000 per check)',
  security,
  request: { query: z.object({ checkId: Uuid }) },
  responses: responses(200, CheckDetailsSchema, 'The run', [404]),
});

const balanceCheckJobRoute = createRoute({
  method: 'post',
  path: '/internal/BackgroundJob/AccountBalanceCheckJob',
  tags: ['Ledger operations'],
  summary: 'Start the balance check workflow now: counters_match_journal over every account, listed with the daily checks',
  security,
  responses: responses(202, CheckStarted, 'Accepted: the check workflow runs', [503]),
});

export function ledgerOperationRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const { dailyBalances, ledgerChecks } = useCases;

  router.openapi(snapshotRoute, async (c) => {
    const { date } = await optionalBody(c, DateBody);
    return c.json(success(await businessRules(() => dailyBalances.snapshot(date))), 202);
  });

  router.openapi(listBalancesRoute, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const page = await dailyBalances.list(filter, { limit: limit ?? toPageRequest(undefined, undefined).limit, cursor });
    return c.json(success({ items: page.items.map(dailyBalanceView), nextCursor: page.nextCursor }), 200);
  });

  router.openapi(recalculateRoute, async (c) => {
    const { from, to } = c.req.valid('json');
    return c.json(success(await businessRules(() => dailyBalances.recalculate(from, to))), 202);
  });

  router.openapi(startCheckRoute, async (c) => {
    const { date } = await optionalBody(c, DateBody);
    return c.json(success(await businessRules(() => ledgerChecks.startDaily(date))), 202);
  });

  router.openapi(listChecksRoute, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const page = await ledgerChecks.list(filter, toPageRequest(limit, cursor));
    return c.json(success({ items: page.items.map(checkRunView), nextCursor: page.nextCursor }), 200);
  });

  router.openapi(checkDetailsRoute, async (c) =>
    c.json(success(checkRunView(await ledgerChecks.details(c.req.valid('query').checkId))) as never, 200),
  );

  router.openapi(balanceCheckJobRoute, async (c) => c.json(success(await ledgerChecks.startAccountBalanceCheck()), 202));

  return router;
}
