import type { TransferLimits } from '../domain/limits';
import type { OtpPolicy } from '../domain/otpPolicy';
import type { Sql } from '../ledger/db';
import type { Notifier } from '../usecases/ports';
import { createBackOfficeActivities } from './backOffice';
import { createFxActivities } from './fx';
import { createHousekeepingActivities, type RetentionDays } from './housekeeping';
import { createLedgerOperationActivities } from './ledgerOperations';
import { createPaymentActivities } from './payments';
import type { PaymentProvider } from './provider';
import { createTransferActivities } from './transfers';
import { createWebhookActivities, type WebhookActivityPolicy } from './webhooks';

export interface ActivityDeps {
  sql: Sql;
  /** The bank partner (true external edge): the sandbox locally, a fake in some tests. */
  provider: PaymentProvider;
  /** SMS/e-mail (true external edge). */
  notifier: Notifier;
  otp: OtpPolicy;
  /** Default transfer limits (a client's own override them). */
  transferLimits: TransferLimits;
  /** EVENT_RETENTION_DAYS: housekeeping deletes older events (default 30). */
  eventRetentionDays?: number;
  /** NOTIFICATION_RETENTION_DAYS, SNAPSHOT_RETENTION_DAYS: what else housekeeping deletes (defaults when unset). */
  retention?: RetentionDays;
  /** Webhook delivery (config/env.ts WebhookPolicy); the local profile's when unset (tests). */
  webhooks?: WebhookActivityPolicy;
}

/** Every activity of the worker, built from its dependencies (tests inject only true edges). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
    ...createTransferActivities(deps),
    ...createFxActivities(deps),
    ...createHousekeepingActivities(deps),
    ...createLedgerOperationActivities(deps),
    ...createWebhookActivities(deps),
    ...createBackOfficeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
