import type { Sql } from '../ledger/db';
import { createPaymentActivities } from './payments';

export interface ActivityDeps {
  sql: Sql;
}

/** Every activity of the worker, built from its dependencies (tests inject only true edges). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
