/**
 * The bounds of the settings a workflow runs with, the one place both sides read them: the
 * configuration refuses a value outside them at start (config/settings.ts), and the workflow checks
 * its input against the same bounds before it holds any money (workflows/inputChecks.ts). An
 * attempt count of 0 or a window of 0 ms passes a "non-negative integer" check and then breaks the
 * workflow after the hold. The bounds of settings no workflow sees live in config/settings.ts.
 */
export interface Bounds {
  min: number;
  max: number;
}

const HOUR_MS = 3600 * 1000;

export const SETTING_BOUNDS = {
  /** TRANSFER_CONFIRMATION_WINDOW_MS: how long an outgoing transfer waits for its code. */
  confirmationWindowMs: { min: 1_000, max: 30 * 24 * HOUR_MS },
  /** PROVIDER_SUBMIT_ATTEMPTS, PROVIDER_RETRY_INTERVAL_MS, PROVIDER_DECISION_ATTEMPTS: the provider's retry budget. */
  submitAttempts: { min: 1, max: 1_000 },
  submitIntervalMs: { min: 1, max: HOUR_MS },
  decisionAttempts: { min: 1, max: 10_000 },
} as const satisfies Record<string, Bounds>;

export const withinBounds = (value: unknown, bounds: Bounds): boolean =>
  Number.isInteger(value) && (value as number) >= bounds.min && (value as number) <= bounds.max;
