import { createRoute, z } from '@hono/zod-openapi';
import { success } from '../envelope';
import { newRouter, type RouteDeps, responses, security } from '../router';
import { Timestamp, Uuid } from '../schemas';

const ConfirmationSchema = z
  .object({
    id: Uuid,
    status: z.enum(['pending', 'verified', 'expired', 'locked']),
    expiresAt: Timestamp,
    attemptsLeft: z.number().int(),
  })
  .openapi('Confirmation');

const ConfirmationParam = z.object({ confirmationId: Uuid });

const getRoute = createRoute({
  method: 'get',
  path: '/Confirmations/{confirmationId}',
  tags: ['Confirmations'],
  summary: 'Status of a one-time code',
  security,
  request: { params: ConfirmationParam },
  responses: responses(200, ConfirmationSchema, 'The confirmation', [404]),
});

const resendRoute = createRoute({
  method: 'post',
  path: '/Confirmations/{confirmationId}/resend',
  tags: ['Confirmations'],
  summary: 'Send a new code; the old one is void and the attempts start again',
  security,
  request: { params: ConfirmationParam },
  responses: responses(
    200,
    z.object({ confirmationId: Uuid, expiresAt: Timestamp }).openapi('CodeResent'),
    'When the new code expires',
    [404, 422, 503],
  ),
});

/** A client's one-time codes (FrontOffice). */
export function confirmationRoutes({ useCases }: RouteDeps) {
  const router = newRouter();

  router.openapi(getRoute, async (c) => {
    const state = await useCases.confirmations.get(c.get('caller'), c.req.valid('param').confirmationId);
    return c.json(success({ ...state, expiresAt: state.expiresAt.toISOString() }), 200);
  });

  router.openapi(resendRoute, async (c) => {
    const sent = await useCases.confirmations.resend(c.get('caller'), c.req.valid('param').confirmationId);
    return c.json(success({ confirmationId: sent.confirmationId, expiresAt: sent.expiresAt.toISOString() }), 200);
  });

  return router;
}
