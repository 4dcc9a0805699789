import { createRoute, z } from '@hono/zod-openapi';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { newRouter, type RouteDeps, responses, security } from '../router';
import { DateIn, ReconciliationSchema, reconciliationView, TreasurySchema, treasuryView } from '../schemas/operations';

const reconciliationRoute = createRoute({
  method: 'get',
  path: '/internal/Reports/ReconciliationReport',
  tags: ['Reports'],
  summary: "The provider's statement of a day against the ledger's settlement entries, matched by provider reference, with breaks",
  description:
    'Breaks: missing_in_ledger (the provider settled it, the ledger has no settlement entry; only once the provider decided ' +
    'it more than 2 minutes ago), missing_at_provider, amount_mismatch, duplicate (more than one settlement entry for a ' +
    'reference). Transfers ops executed by hand were settled outside the provider and are left out.',
  security,
  request: { query: z.object({ date: DateIn.openapi({ description: 'UTC date, YYYY-MM-DD; a future date is 422' }) }) },
  responses: responses(200, ReconciliationSchema, 'The report', [422]),
});

const treasuryRoute = createRoute({
  method: 'get',
  path: '/internal/TreasuryManagement/summary',
  tags: ['Reports'],
  summary: 'Per currency: client funds and holds, settlement, suspense, FX position, fee income, external clearing; total is 0',
  security,
  responses: responses(200, TreasurySchema, 'The summary'),
});

const CurrenciesSchema = z
  .object({ items: z.array(z.object({ currency: z.string(), minorUnits: z.number().int() })) })
  .openapi('ProviderCurrencies');

const currenciesRoute = createRoute({
  method: 'get',
  path: '/BaasProvider/available-currencies',
  tags: ['Reports'],
  summary: 'Currencies the provider supports (client, system or ops token)',
  security,
  responses: responses(200, CurrenciesSchema, 'The currencies'),
});

export function reportRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const reports = useCases.reports;

  router.openapi(reconciliationRoute, async (c) => {
    const { date } = c.req.valid('query');
    const report = await businessRules(() => reports.reconciliation(date));
    return c.json(success(reconciliationView(report.date, report.currencies)), 200);
  });

  router.openapi(treasuryRoute, async (c) => c.json(success(treasuryView(await reports.treasury())), 200));

  router.openapi(currenciesRoute, async (c) => c.json(success({ items: reports.availableCurrencies() }), 200));

  return router;
}
