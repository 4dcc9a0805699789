import { createRoute, z } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors';
import { envelopeOf, FailureEnvelope, success } from '../envelope';
import { errorJson } from '../errors';
import { newRouter } from '../router';

/** A dependency /health/ready asks: resolves when it answers, throws (or takes too long) when not. */
export type ReadinessProbe = () => Promise<void>;

export interface HealthRoutesOptions {
  /** `/health`'s ping of the database. */
  ping: ReadinessProbe;
  /** The release `/health` reports. */
  version: string;
  /** What readiness depends on, by name (Postgres). */
  probes: Record<string, ReadinessProbe>;
  /**
   * Asked and reported, but not required (Temporal): without it reads and ledger-only calls still
   * work, so an outage of it must not take every API replica out of service. Each answer goes to
   * `onObserved` (a metric).
   */
  observed?: Record<string, ReadinessProbe>;
  onObserved?: (name: string, ok: boolean) => void;
  /** True once the process is shutting down: not ready, so the load balancer stops sending to it. */
  isDraining?: () => boolean;
  /** How long each probe may take before the process counts as not ready. */
  timeoutMs: number;
}

const Health = z
  .object({
    status: z.literal('ok'),
    version: z.string().openapi({ description: 'The release of the service (semantic versioning; CHANGELOG.md)', example: '1.0.0' }),
  })
  .openapi('Health');
const Live = z.object({ status: z.literal('live') }).openapi('Liveness');
const Ready = z
  .object({
    status: z.literal('ready'),
    checks: z
      // A string map, not a map of the literal "ok": typescript-fetch writes that as a value it never declares (tsc fails).
      .record(z.string(), z.string())
      .openapi({
        description: 'Each dependency readiness depends on, and its answer (always `ok` when ready)',
        example: { postgres: 'ok' },
      }),
    observed: z.record(z.string(), z.string()).openapi({
      description:
        'Dependencies asked but not required for readiness, and their answer (`ok`, or why not): Temporal. Also the metric corebank_temporal_up',
      example: { temporal: 'ok' },
    }),
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

/** Every probe at once, each bounded by the timeout: name -> `ok` or why not. */
async function askAll(probes: Record<string, ReadinessProbe>, timeoutMs: number): Promise<Record<string, string>> {
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((name) => check(probes[name] as ReadinessProbe, timeoutMs)));
  return Object.fromEntries(names.map((name, i) => [name, results[i] as string]));
}

/**
 * Liveness and readiness for orchestrators, both public. `/health/live` answers as long as the
 * process serves HTTP (restart it when it does not); `/health/ready` asks Postgres and answers 503
 * when it does not answer in time, or while the process drains before it stops (take the replica
 * out of the load balancer, do not restart it). Temporal is asked too and reported in `observed`,
 * but does not make the replica unready. `/health` pings the database and names the release.
 */
export function healthRoutes({
  ping,
  version,
  probes,
  observed = {},
  onObserved,
  isDraining = () => false,
  timeoutMs,
}: HealthRoutesOptions) {
  const router = newRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['Health'],
      summary: 'The database answers; names the release running. No token needed.',
      security: [],
      responses: {
        200: { description: 'The database answered', content: json(envelopeOf(Health)) },
        503: { description: 'The database did not answer (SERVICE_UNAVAILABLE)', content: json(FailureEnvelope) },
      },
    }),
    async (c) => {
      await ping();
      return c.json(success({ status: 'ok' as const, version }), 200);
    },
  );

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
      summary: `Readiness: Postgres answers and the process is not shutting down (Temporal is reported, not required). No token needed.`,
      security: [],
      responses: {
        200: { description: 'Every dependency answered', content: json(envelopeOf(Ready)) },
        503: {
          description:
            'Postgres did not answer in time, or the process is draining before it stops (SERVICE_UNAVAILABLE); metadata names each check and its result',
          content: json(FailureEnvelope),
        },
      },
    }),
    async (c) => {
      if (isDraining()) {
        return errorJson(c, ErrorCode.SERVICE_UNAVAILABLE, 'not ready: shutting down (draining)', { draining: 'true' }) as never;
      }
      const [checks, observations] = await Promise.all([askAll(probes, timeoutMs), askAll(observed, timeoutMs)]);
      for (const [name, answer] of Object.entries(observations)) onObserved?.(name, answer === 'ok');
      const failed = Object.keys(checks).filter((name) => checks[name] !== 'ok');
      if (failed.length > 0) {
        return errorJson(c, ErrorCode.SERVICE_UNAVAILABLE, `not ready: ${failed.map((n) => `${n} ${checks[n]}`).join('; ')}`, {
          ...checks,
          ...observations,
        }) as never;
      }
      return c.json(success({ status: 'ready' as const, checks: checks as Record<string, 'ok'>, observed: observations }), 200);
    },
  );

  return router;
}
