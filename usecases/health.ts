import { pingDatabase } from '../ledger/db';
import type { UseCaseDeps } from './deps';

/** What /health checks: the database answers (Temporal is not asked). */
export function createHealthUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  /** Resolves when the database answers a query; throws (503 or 500 at the edge) when it does not. */
  async function ping(): Promise<void> {
    await pingDatabase(sql);
  }

  return { ping };
}

export type HealthUseCases = ReturnType<typeof createHealthUseCases>;
