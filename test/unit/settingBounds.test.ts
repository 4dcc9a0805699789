import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';
import { SETTING_BOUNDS } from '../../domain/settingBounds';

const base = { DATABASE_URL: 'postgres://unused' };

/** The variable of each bound the workflows check on their input too (workflows/inputChecks.ts). */
const SHARED: Record<keyof typeof SETTING_BOUNDS, string> = {
  confirmationWindowMs: 'TRANSFER_CONFIRMATION_WINDOW_MS',
  submitAttempts: 'PROVIDER_SUBMIT_ATTEMPTS',
  submitIntervalMs: 'PROVIDER_RETRY_INTERVAL_MS',
  decisionAttempts: 'PROVIDER_DECISION_ATTEMPTS',
};

describe('a bound both the configuration and the workflow input check use', () => {
  for (const [key, variable] of Object.entries(SHARED)) {
    const bounds = SETTING_BOUNDS[key as keyof typeof SETTING_BOUNDS];
    it(`${variable}: ${bounds.min} to ${bounds.max}, the configuration's bounds are the workflow's`, () => {
      expect(() => loadConfig({ ...base, [variable]: String(bounds.min) })).not.toThrow();
      expect(() => loadConfig({ ...base, [variable]: String(bounds.max) })).not.toThrow();
      expect(() => loadConfig({ ...base, [variable]: String(bounds.min - 1) })).toThrow(new RegExp(`${variable} is below`));
      expect(() => loadConfig({ ...base, [variable]: String(bounds.max + 1) })).toThrow(new RegExp(`${variable} is above`));
      expect(() => loadConfig({ ...base, [variable]: String(bounds.max + 1) })).toThrow(ConfigError);
    });
  }
});
