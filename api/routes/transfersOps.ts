import { createRoute, type z } from '@hono/zod-openapi';
import { requireRole } from '../auth';
import { success } from '../envelope';
import { jsonBody, newRouter, optionalBody, type RouteDeps, responses, security } from '../router';
import { RequiredText, Text, text, Uuid } from '../schemas';
import { body } from '../schemas/bodyRules';
import { TransferParam, TransferSchema, transferView } from '../schemas/transfers';

/** Manual interventions: ops role only, each audited with who, when and the note. */

const OpsNote = Text.optional().openapi({ description: 'Why, for the audit' });
const AssignBody = body({ accountId: Uuid, note: OpsNote }).openapi('AssignIncoming');
const ExecuteBody = body({ providerReference: text(100, 1), note: OpsNote }).openapi('ExecuteTransfer');
const ContinueBody = body({ note: OpsNote }).openapi('ContinueTransfer');
const ReturnBody = body({ reason: RequiredText.openapi({ description: 'Why it goes back, for the sender and the audit' }) }).openapi(
  'ReturnIncoming',
);

const opsRoute = <B extends z.ZodTypeAny>(path: string, summary: string, schema: B, required: boolean) =>
  createRoute({
    method: 'post',
    path,
    tags: ['Transfers (ops)'],
    summary,
    security,
    middleware: [requireRole('ops')] as const,
    request: { params: TransferParam, ...jsonBody(schema, required) },
    responses: responses(200, TransferSchema, 'The transfer after the intervention', [404, 409, 422, 503]),
  });

const assignRoute = opsRoute(
  '/internal/Transfers/incoming/{transferId}/assign',
  'Ops assigns an Unrecognized transfer to an account',
  AssignBody,
  true,
);
const returnRoute = opsRoute(
  '/internal/Transfers/incoming/{transferId}/return',
  'Ops sends an Unrecognized transfer back to the sender through the provider: Returned, suspense back to settlement',
  ReturnBody,
  true,
);
const executeRoute = opsRoute(
  '/internal/Transfers/outgoing/{transferId}/execute',
  'Ops completes a Stuck transfer as settled outside the system (Stuck only, else 422; a block since the confirm does not stop it: the client confirmed before it, and the money may already be out)',
  ExecuteBody,
  true,
);
const continueRoute = opsRoute(
  '/internal/Transfers/outgoing/{transferId}/continue',
  'Ops resumes a Stuck transfer: the provider is tried again',
  ContinueBody,
  false,
);

export function opsTransferRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const transfers = useCases.transfers;

  router.openapi(assignRoute, async (c) => {
    const body = c.req.valid('json');
    const transfer = await transfers.assign(c.get('caller'), c.req.valid('param').transferId, body.accountId, body.note ?? null);
    return c.json(success(transferView(transfer)), 200);
  });

  router.openapi(returnRoute, async (c) => {
    const transfer = await transfers.returnIncoming(c.get('caller'), c.req.valid('param').transferId, c.req.valid('json').reason);
    return c.json(success(transferView(transfer)), 200);
  });

  router.openapi(executeRoute, async (c) => {
    const body = c.req.valid('json');
    const transfer = await transfers.execute(c.get('caller'), c.req.valid('param').transferId, body.providerReference, body.note ?? null);
    return c.json(success(transferView(transfer)), 200);
  });

  router.openapi(continueRoute, async (c) => {
    const body = await optionalBody(c, ContinueBody);
    const transfer = await transfers.resume(c.get('caller'), c.req.valid('param').transferId, body.note ?? null);
    return c.json(success(transferView(transfer)), 200);
  });

  return router;
}
