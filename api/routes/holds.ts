import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../domain/caller';
import { formatAmount } from '../../domain/money';
import type { HoldRelease, StrandedHold } from '../../store/strandedHolds';
import { requireRole } from '../auth';
import { success } from '../envelope';
import { jsonBody, newRouter, type RouteDeps, responses, security } from '../router';
import { AmountOut, RequiredText, Timestamp, Uuid } from '../schemas';
import { body } from '../schemas/bodyRules';
import { PageQuery } from '../schemas/paging';

const StrandedHoldSchema = z
  .object({
    pendingId: Uuid,
    accountId: Uuid,
    amount: AmountOut,
    currency: z.string(),
    paymentId: Uuid.nullable(),
    transferId: Uuid.nullable(),
    ownerStatus: z.string().openapi({ description: 'The finished status of the payment or transfer that took the hold' }),
    createdAt: Timestamp,
  })
  .openapi('StrandedHold');

const HoldReleaseSchema = z
  .object({
    pendingId: Uuid,
    voidId: Uuid.openapi({ description: 'The void_pending entry that released the hold' }),
    paymentId: Uuid.nullable(),
    transferId: Uuid.nullable(),
    actor: z.string(),
    note: z.string(),
    createdAt: Timestamp,
  })
  .openapi('HoldRelease');

const holdView = (h: StrandedHold) => ({
  pendingId: h.pendingId,
  accountId: h.accountId,
  amount: formatAmount(h.amount, h.currency),
  currency: h.currency,
  paymentId: h.paymentId,
  transferId: h.transferId,
  ownerStatus: h.ownerStatus,
  createdAt: h.createdAt.toISOString(),
});

const releaseView = (r: HoldRelease) => ({ ...r, createdAt: r.createdAt.toISOString() });

/**
 * Holds stranded on a finished payment or transfer: nothing would ever release them. Ops list
 * and release them (an audited void entry). Documented in the OpenAPI document and docs/api.md.
 */
export function holdRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const repairs = useCases.strandedHolds;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/internal/Holds/stranded',
      tags: ['Holds (ops)'],
      summary: 'Holds whose payment or transfer finished without posting or voiding them (should be empty)',
      security,
      request: { query: z.object({ limit: PageQuery.limit }) },
      responses: responses(200, z.object({ items: z.array(StrandedHoldSchema) }).openapi('StrandedHolds'), 'Stranded holds, oldest first'),
    }),
    async (c) => {
      const holds = await repairs.list(c.req.valid('query').limit ?? 100);
      return c.json(success({ items: holds.map(holdView) }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/internal/Holds/{pendingId}/release',
      tags: ['Holds (ops)'],
      summary: 'Ops releases a stranded hold (a void entry, audited); a repeat returns the first release',
      security,
      middleware: [requireRole('ops')] as const,
      request: {
        params: z.object({ pendingId: Uuid }),
        ...jsonBody(body({ note: RequiredText.openapi({ description: 'Why the hold is released' }) }).openapi('ReleaseHold')),
      },
      responses: responses(200, HoldReleaseSchema, 'The release', [404, 422]),
    }),
    async (c) => {
      const release = await repairs.release(c.req.valid('param').pendingId, actorOf(c.get('caller')), c.req.valid('json').note);
      return c.json(success(releaseView(release)), 200);
    },
  );

  return router;
}
