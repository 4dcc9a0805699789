import { createRoute, z } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors';
import { envelopeOf, FailureEnvelope, success } from '../envelope';
import { errorJson } from '../errors';
import { newRouter } from '../router';

/** A dependency /health/ready asks: resolves when it answers, throws (or takes too long) when not. */
export type ReadinessProbe = () => Promise<void>;

export interface HealthRoutesOptions {
  /** Postgres and Temporal, by name. */
  probes: Record<string, ReadinessProbe>;
  /** How long each probe may take before the process counts as not ready. */
  timeoutMs: number;
}

const Live = z.object({ status: z.literal('live') }).openapi('Liveness');
const Ready = z
  .object({
    status: z.literal('ready'),
    checks: z
      .record(z.string(), z.literal('ok'))
      .openapi({ description: 'Each dependency asked, and its answer', example: { postgres: 'ok' } }),
  })
  .openapi('Readiness');

const json = <T extends z.ZodTypeAny>(schema: T) => ({ 'application/json': { schema } });

async function check(probe: ReadinessProbe, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([probe().then(() => 'ok'), timeout]);
  } catch (error) {
    return `unavailable: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness and readiness for orchestrators, both public. `/health/live` answers as long as the
 * process serves HTTP (restart it when it does not); `/health/ready` asks Postgres and Temporal and
 * answers 503 when one of them does not answer in time (take the replica out of the load balancer,
 * do not restart it). `/health`, the API contract's ping of the database, is unchanged.
 */
export function healthRoutes({ probes, timeoutMs }: HealthRoutesOptions) {
  const router = newRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/health/live',
      tags: ['Health'],
      summary: 'Liveness: the process is up and serves HTTP (no dependency is asked). No token needed.',
      security: [],
      responses: { 200: { description: 'The process is up', content: json(envelopeOf(Live)) } },
    }),
    (c) => c.json(success({ status: 'live' as const }), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/health/ready',
      tags: ['Health'],
      summary: `Readiness: Postgres and Temporal both answer. No token needed.`,
      security: [],
      responses: {
        200: { description: 'Every dependency answered', content: json(envelopeOf(Ready)) },
        503: {
          description: 'A dependency did not answer in time (SERVICE_UNAVAILABLE); metadata names each check and its result',
          content: json(FailureEnvelope),
        },
      },
    }),
    async (c) => {
      const names = Object.keys(probes);
      const results = await Promise.all(names.map((name) => check(probes[name] as ReadinessProbe, timeoutMs)));
      const checks = Object.fromEntries(names.map((name, i) => [name, results[i] as string]));
      const failed = names.filter((name) => checks[name] !== 'ok');
      if (failed.length > 0) {
        return errorJson(
          c,
          ErrorCode.SERVICE_UNAVAILABLE,
          `not ready: ${failed.map((n) => `${n} ${checks[n]}`).join('; ')}`,
          checks,
        ) as never;
      }
      return c.json(success({ status: 'ready' as const, checks: checks as Record<string, 'ok'> }), 200);
    },
  );

  return router;
}
