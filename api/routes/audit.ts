import { createRoute, z } from '@hono/zod-openapi';
import { toPageRequest } from '../../domain/paging';
import type { AuditRow } from '../../usecases/audit';
import { success } from '../envelope';
import { newRouter, type RouteDeps, responses, security } from '../router';
import { ActorSchema, FreeObject, Timestamp, text, Uuid } from '../schemas';
import { TimestampIn } from '../schemas/dates';
import { PageQuery, pageOf } from '../schemas/paging';

/** The audit log: every action a system or ops token took that moved money or changed a status, a limit or a block. */

const AuditEntrySchema = z
  .object({
    id: Uuid,
    at: Timestamp,
    actor: ActorSchema,
    action: z.string().openapi({ description: 'A dotted verb', example: 'client.blocked' }),
    resourceType: z.string().openapi({ example: 'client' }),
    resourceId: z.string(),
    note: z.string().nullable(),
    before: FreeObject().nullable().openapi({ description: 'The fields the action changed, as they were' }),
    after: FreeObject().nullable().openapi({ description: 'The same fields as the action left them' }),
  })
  .openapi('AuditEntry');

const listRoute = createRoute({
  method: 'get',
  path: '/internal/AuditLog',
  tags: ['Audit'],
  summary: 'The audit log, newest first: who did what to which resource, with the note and the change',
  description:
    'Written in the same database transaction as each action it records: a refused or rolled back action leaves no entry. ' +
    'Append-only. `from` is inclusive, `to` exclusive.',
  security,
  request: {
    query: z.object({
      resourceType: text(50, 1).optional().openapi({ example: 'payment' }),
      resourceId: text(100, 1).optional(),
      actor: text(200, 1).optional().openapi({ description: "The actor's sub (the token's subject)", example: 'mallory' }),
      from: TimestampIn.optional(),
      to: TimestampIn.optional(),
      ...PageQuery,
    }),
  },
  responses: responses(200, pageOf(AuditEntrySchema), 'A page of audit entries'),
});

const auditView = (r: AuditRow) => ({
  id: r.id,
  at: r.at.toISOString(),
  actor: { role: r.actorRole, sub: r.actorSub },
  action: r.action,
  resourceType: r.resourceType,
  resourceId: r.resourceId,
  note: r.note,
  before: r.before,
  after: r.after,
});

export function auditRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  router.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await useCases.audit.list(
      {
        resourceType: q.resourceType,
        resourceId: q.resourceId,
        actorSub: q.actor,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      },
      toPageRequest(q.limit, q.cursor),
    );
    return c.json(success({ items: page.items.map(auditView), nextCursor: page.nextCursor }), 200);
  });
  return router;
}
