import { createRoute, z } from '@hono/zod-openapi';
import { toPageRequest } from '../../domain/paging';
import type { EntryFilter } from '../../usecases/transactions';
import { success } from '../envelope';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { Uuid } from '../schemas';
import { body } from '../schemas/bodyRules';
import { TimestampIn } from '../schemas/dates';
import { PageBody, PageQuery, pageOf } from '../schemas/paging';
import { TransactionSchema } from '../schemas/payments';
import { transactionView } from '../views';

const EntryType = z.enum(['posted', 'pending', 'post_pending', 'void_pending']);

const Filters = {
  accountId: Uuid.optional(),
  paymentId: Uuid.optional(),
  transferId: Uuid.optional(),
  type: EntryType.optional(),
  from: TimestampIn.optional().openapi({ description: 'created at or after' }),
  to: TimestampIn.optional().openapi({ description: 'created before' }),
};

type FilterInput = {
  accountId?: string;
  paymentId?: string;
  transferId?: string;
  type?: EntryFilter['kind'];
  from?: string;
  to?: string;
  accountIds?: string[];
};

const toFilter = (q: FilterInput): EntryFilter => ({
  accountId: q.accountId,
  accountIds: q.accountIds,
  paymentId: q.paymentId,
  transferId: q.transferId,
  kind: q.type,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

const listTransactionsRoute = createRoute({
  method: 'get',
  path: '/internal/Transactions',
  tags: ['Transactions'],
  summary: 'Journal entries, newest first',
  security,
  request: { query: z.object({ ...Filters, ...PageQuery }) },
  responses: responses(200, pageOf(TransactionSchema), 'A page of journal entries'),
});

const queryTransactionsRoute = createRoute({
  method: 'post',
  path: '/internal/Transactions/query',
  tags: ['Transactions'],
  summary: 'The same filters as a body, plus accountIds[]',
  security,
  request: jsonBody(
    body({
      ...Filters,
      accountIds: z.array(Uuid).min(1).max(500).optional(),
      ...PageBody,
    }).openapi('TransactionQuery'),
  ),
  responses: responses(200, pageOf(TransactionSchema), 'A page of journal entries'),
});

const getTransactionRoute = createRoute({
  method: 'get',
  path: '/internal/Transactions/{transactionId}',
  tags: ['Transactions'],
  summary: 'One journal entry',
  security,
  request: { params: z.object({ transactionId: Uuid }) },
  responses: responses(200, TransactionSchema, 'The entry', [404]),
});

export function transactionRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const transactions = useCases.transactions;

  async function page(q: FilterInput & { limit?: number; cursor?: string }) {
    const found = await transactions.list(toFilter(q), toPageRequest(q.limit, q.cursor));
    return { items: found.items.map(transactionView), nextCursor: found.nextCursor };
  }

  router.openapi(listTransactionsRoute, async (c) => c.json(success(await page(c.req.valid('query'))), 200));
  router.openapi(queryTransactionsRoute, async (c) => c.json(success(await page(c.req.valid('json'))), 200));
  router.openapi(getTransactionRoute, async (c) =>
    c.json(success(transactionView(await transactions.get(c.req.valid('param').transactionId))), 200),
  );

  return router;
}
