/**
 * The bounds of the settings a workflow runs with, in one place: the configuration refuses a value
 * outside them at start (config/env.ts), and the workflow checks its input against the same bounds
 * before it holds any money (workflows/inputChecks.ts). An attempt count of 0 or a window of 0 ms
 * passes a "non-negative integer" check and then breaks the workflow after the hold.
 */
export interface Bounds {
  min: number;
  max: number;
}

const HOUR_MS = 3600 * 1000;

export const SETTING_BOUNDS = {
  confirmationWindowMs: { min: 1_000, max: 30 * 24 * HOUR_MS },
  submitAttempts: { min: 1, max: 1_000 },
  submitIntervalMs: { min: 1, max: HOUR_MS },
  decisionAttempts: { min: 1, max: 10_000 },
  quoteTtlMs: { min: 1_000, max: 24 * HOUR_MS },
  otpTtlMs: { min: 1_000, max: 24 * HOUR_MS },
  otpMaxAttempts: { min: 1, max: 100 },
  workflowWaitMs: { min: 100, max: 10 * 60 * 1000 },
  eventRetentionDays: { min: 1, max: 3650 },
  /** docs/webhooks.md: the first webhook retry comes within 30 s. */
  webhookRetryInitialMs: { min: 100, max: 30_000 },
  webhookRetryMaxIntervalMs: { min: 1_000, max: 24 * HOUR_MS },
  /** How long a delivery is retried before it is `failed`; the production profile needs 3 days or more. */
  webhookRetryWindowMs: { min: 1_000, max: 30 * 24 * HOUR_MS },
  /** Runtime database sessions (ledger/db.ts): long enough for the daily check's scans, short enough to free a replica. */
  dbStatementTimeoutMs: { min: 100, max: HOUR_MS },
  dbLockTimeoutMs: { min: 10, max: 10 * 60 * 1000 },
  dbIdleInTransactionTimeoutMs: { min: 1_000, max: HOUR_MS },
  dbMaxLifetimeSeconds: { min: 60, max: 24 * 3600 },
  /** Connections in one process's pool, and the processes that share the server with their pools. */
  dbPoolMax: { min: 1, max: 500 },
  dbPoolProcesses: { min: 1, max: 1_000 },
  dbReservedConnections: { min: 0, max: 1_000 },
  /** The longest an API request may take before it is answered 503 whatever it waits on. */
  apiRequestDeadlineMs: { min: 1_000, max: 11 * 60 * 1000 },
  /** How old business metrics a scrape may reuse (0: read at every scrape). */
  businessMetricsMaxAgeMs: { min: 0, max: 10 * 60 * 1000 },
  /** Retention (the hourly housekeeping schedule): notifications and daily balance snapshots. */
  notificationRetentionDays: { min: 1, max: 3650 },
  snapshotRetentionDays: { min: 1, max: 36_500 },
  /** How long a four-eyes approval waits for its second person (default 24 h). */
  approvalTtlMs: { min: 1_000, max: 30 * 24 * HOUR_MS },
} as const satisfies Record<string, Bounds>;

/** Each APPROVAL_THRESHOLDS value, major units: 0 asks for approval of every amount; above 10^15 is no amount at all. */
export const APPROVAL_THRESHOLD_BOUNDS: Bounds = { min: 0, max: 1e15 };

export const withinBounds = (value: unknown, bounds: Bounds): boolean =>
  Number.isInteger(value) && (value as number) >= bounds.min && (value as number) <= bounds.max;
