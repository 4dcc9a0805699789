import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';
import { SETTING_BOUNDS } from '../../domain/settingBounds';

const base = { DATABASE_URL: 'postgres://unused' };

/** Each bounded setting, by its variable: the configuration refuses what the workflows would refuse. */
const VARIABLES: Record<keyof typeof SETTING_BOUNDS, string> = {
  confirmationWindowMs: 'TRANSFER_CONFIRMATION_WINDOW_MS',
  submitAttempts: 'PROVIDER_SUBMIT_ATTEMPTS',
  submitIntervalMs: 'PROVIDER_RETRY_INTERVAL_MS',
  decisionAttempts: 'PROVIDER_DECISION_ATTEMPTS',
  quoteTtlMs: 'FX_QUOTE_TTL_MS',
  otpTtlMs: 'OTP_TTL_MS',
  otpMaxAttempts: 'OTP_MAX_ATTEMPTS',
  workflowWaitMs: 'WORKFLOW_WAIT_MS',
  eventRetentionDays: 'EVENT_RETENTION_DAYS',
  webhookRetryInitialMs: 'WEBHOOK_RETRY_INITIAL_MS',
  webhookRetryMaxIntervalMs: 'WEBHOOK_RETRY_MAX_INTERVAL_MS',
  webhookRetryWindowMs: 'WEBHOOK_RETRY_WINDOW_MS',
  dbStatementTimeoutMs: 'DB_STATEMENT_TIMEOUT_MS',
  dbLockTimeoutMs: 'DB_LOCK_TIMEOUT_MS',
  dbIdleInTransactionTimeoutMs: 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
  dbMaxLifetimeSeconds: 'DB_MAX_LIFETIME_SECONDS',
  dbPoolMax: 'DB_POOL_MAX',
  dbPoolProcesses: 'DB_POOL_PROCESSES',
  dbReservedConnections: 'DB_RESERVED_CONNECTIONS',
  apiRequestDeadlineMs: 'API_REQUEST_DEADLINE_MS',
  businessMetricsMaxAgeMs: 'BUSINESS_METRICS_MAX_AGE_MS',
  notificationRetentionDays: 'NOTIFICATION_RETENTION_DAYS',
  snapshotRetentionDays: 'SNAPSHOT_RETENTION_DAYS',
  approvalTtlMs: 'APPROVAL_TTL_MS',
};

describe('settings with real bounds, refused at start', () => {
  for (const [key, variable] of Object.entries(VARIABLES)) {
    const bounds = SETTING_BOUNDS[key as keyof typeof SETTING_BOUNDS];
    it(`${variable}: ${bounds.min} to ${bounds.max}`, () => {
      expect(() => loadConfig({ ...base, [variable]: String(bounds.min) })).not.toThrow();
      expect(() => loadConfig({ ...base, [variable]: String(bounds.max) })).not.toThrow();
      expect(() => loadConfig({ ...base, [variable]: String(bounds.min - 1) })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, [variable]: String(bounds.max + 1) })).toThrow(ConfigError);
    });
  }
});

describe('APPROVAL_THRESHOLDS', () => {
  it('per currency in major units over the default of 1000, within 0 to 10^15', () => {
    expect(loadConfig(base).backOffice.approvalThresholds).toEqual({ '*': '1000' });
    expect(loadConfig({ ...base, APPROVAL_THRESHOLDS: '{"JPY":"150000"}' }).backOffice.approvalThresholds).toEqual({
      '*': '1000',
      JPY: '150000',
    });
    expect(() => loadConfig({ ...base, APPROVAL_THRESHOLDS: '{"EUR":"0"}' })).not.toThrow();
    for (const bad of ['{"EUR":"-1"}', '{"EUR":"1e3"}', '{"EUR":1000}', '{"EUR":"1000000000000001"}', '{"XXQ":"5"}', '[1]', 'nope']) {
      expect(() => loadConfig({ ...base, APPROVAL_THRESHOLDS: bad }), bad).toThrow(ConfigError);
    }
  });
});
