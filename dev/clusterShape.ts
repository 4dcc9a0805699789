import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './temporalServerBinaries';
import type { TemporalSqlServerPorts } from './temporalSqlServer';

/**
 * The production shape, once: `npm run start:cluster` runs it on one machine and
 * docker-compose.yml runs it in containers; test/unit/compose.test.ts holds the compose file to
 * these values, so the two cannot drift.
 */
export const CLUSTER_SHAPE = {
  /** Worker processes (compose: worker replicas). */
  workers: 2,
  /** API processes behind one port (compose: api replicas). */
  apis: 2,
  namespace: 'default',
  /** temporalio/server and temporalio/admin-tools image tag. */
  temporalServerVersion: TEMPORAL_SERVER_VERSION.replace(/^v/, ''),
  /** temporalio/ui image tag. */
  temporalUiVersion: TEMPORAL_UI_VERSION.replace(/^v/, ''),
  /** What the processes run in the image (npm run build); start:cluster runs the same entry points with tsx. */
  commands: { api: 'node dist/api.js', worker: 'node dist/worker.js', migrate: 'node dist/migrate.js' },
} as const;

/**
 * The Temporal server's ports derived from its frontend port, the way Temporal's own development
 * config lays them out around 7233 (history +1, matching +2, worker +6, HTTP +10, membership -300).
 */
export function temporalSqlServerPorts(frontend: number, ui?: number): TemporalSqlServerPorts {
  return {
    frontend,
    history: frontend + 1,
    matching: frontend + 2,
    metrics: frontend + 3,
    worker: frontend + 6,
    frontendHttp: frontend + 10,
    membership: [frontend - 300, frontend - 299, frontend - 298, frontend - 294],
    ui,
  };
}
