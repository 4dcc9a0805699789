import type { Sql } from '../ledger/db';
import type { OtpPolicy } from '../store/confirmations';
import { createHousekeepingActivities } from './housekeeping';
import type { Notifier } from './notifier';
import { createPaymentActivities } from './payments';
import type { PaymentProvider } from './provider';
import { createTransferActivities } from './transfers';

export interface ActivityDeps {
  sql: Sql;
  /** The bank partner (true external edge): the sandbox locally, a fake in some tests. */
  provider: PaymentProvider;
  /** SMS/e-mail (true external edge). */
  notifier: Notifier;
  otp: OtpPolicy;
}

/** Every activity of the worker, built from its dependencies (tests inject only true edges). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
    ...createTransferActivities(deps),
    ...createHousekeepingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
