import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';
import { allowedOf, SETTINGS, type SettingName } from '../../config/settings';

const base = { DATABASE_URL: 'postgres://unused' };

/** The configuration with one variable set, or the message it is refused with. */
function load(variable: string, value: string | undefined) {
  return loadConfig({ ...base, [variable]: value });
}

function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

const names = Object.keys(SETTINGS) as SettingName[];
const bounded = names.flatMap((name) => {
  const bounds = allowedOf(name)?.bounds;
  return bounds ? [{ name, bounds }] : [];
});

/** The only numbers that may be 0, each because 0 means something: no drain, no grace, no cache, none reserved, no resends. */
const ZERO_MEANS_SOMETHING = [
  'API_SHUTDOWN_DRAIN_MS',
  'WORKER_SHUTDOWN_GRACE_MS',
  'BUSINESS_METRICS_MAX_AGE_MS',
  'DB_RESERVED_CONNECTIONS',
  'OTP_MAX_RESENDS',
];

describe('every number setting', () => {
  it('is bounded, and only the listed ones take 0 (a count or a duration of 0 breaks what uses it)', () => {
    expect(bounded.length).toBeGreaterThan(50);
    const zeroAllowed = bounded.filter(({ bounds }) => bounds.min <= 0).map(({ name }) => name);
    expect(zeroAllowed.sort()).toEqual([...ZERO_MEANS_SOMETHING].sort());
  });

  for (const { name, bounds } of bounded) {
    it(`${name}: ${bounds.min} and ${bounds.max} pass; below, above, malformed are refused naming it`, () => {
      expect(() => load(name, String(bounds.min))).not.toThrow();
      expect(() => load(name, String(bounds.max))).not.toThrow();
      expect(refusal({ [name]: String(bounds.min - 1) })).toContain(`${name} is below`);
      expect(refusal({ [name]: String(bounds.max + 1) })).toContain(`${name} is above`);
      for (const malformed of ['abc', '1.5', '1e3', '0x10', ' 5', '5 ', '+5', '--1']) {
        expect(refusal({ [name]: malformed }), malformed).toContain(`${name} is not a whole number`);
      }
    });
  }

  it('missing and empty both take the default; a valid value is the number', () => {
    expect(load('OTP_MAX_ATTEMPTS', undefined).otp.maxAttempts).toBe(5);
    expect(load('OTP_MAX_ATTEMPTS', '').otp.maxAttempts).toBe(5);
    expect(load('OTP_MAX_ATTEMPTS', '7').otp.maxAttempts).toBe(7);
    expect(load('WORKFLOW_WAIT_MS', '').workflowWaitMs).toBe(30_000);
    expect(load('API_PORT', '8080').apiPort).toBe(8080);
    expect(load('WORKER_METRICS_PORT', '').observability.workerMetricsPort).toBeUndefined();
  });

  it('counts refuse 0 and negatives; ports refuse 0 and 65536', () => {
    for (const count of [
      'OTP_MAX_ATTEMPTS',
      'WRITE_LIMIT_CLIENT_PER_MINUTE',
      'DB_POOL_MAX',
      'HTTP_MAX_CONCURRENT_UPLOADS',
      'MIGRATION_ATTEMPTS',
    ]) {
      expect(refusal({ [count]: '0' })).toMatch(new RegExp(`${count} is below 1 .*\\(got "0"\\)`));
      expect(refusal({ [count]: '-3' })).toContain(`${count} is below 1`);
    }
    for (const port of ['API_PORT', 'WORKER_METRICS_PORT', 'METRICS_PORT', 'PG_PORT']) {
      expect(refusal({ [port]: '0' })).toContain(`${port} is below 1`);
      expect(refusal({ [port]: '65536' })).toContain(`${port} is above 65535`);
    }
  });

  it('a derived default follows its source unless set', () => {
    const config = load('WORKFLOW_WAIT_MS', '10000');
    expect(config.apiRequestDeadlineMs).toBe(15_000);
    expect(config.shutdown.apiDrainMs).toBe(15_000);
    expect(load('API_SHUTDOWN_DRAIN_MS', '0').shutdown.apiDrainMs).toBe(0);
  });
});

describe('flags and enumerations', () => {
  it('a flag is true or false, nothing else; unset takes the profile default', () => {
    expect(load('RETURN_REFUNDS_FEE', 'true').backOffice.returnRefundsFee).toBe(true);
    expect(load('RETURN_REFUNDS_FEE', '').backOffice.returnRefundsFee).toBe(false);
    expect(load('MIGRATE_ON_START', undefined).migrateOnStart).toBe(true);
    expect(load('MIGRATE_ON_START', 'false').migrateOnStart).toBe(false);
    for (const bad of ['yes', 'TRUE', '1', 'on']) {
      expect(refusal({ RETURN_REFUNDS_FEE: bad })).toContain(`RETURN_REFUNDS_FEE must be true or false (got "${bad}")`);
      expect(refusal({ ALLOW_SANDBOX_PROVIDER: bad })).toContain('ALLOW_SANDBOX_PROVIDER must be true or false');
    }
  });

  it('an enumeration names what it allows', () => {
    expect(load('LOG_FORMAT', 'json').observability.logFormat).toBe('json');
    expect(load('LOG_LEVEL', 'debug').logLevel).toBe('debug');
    expect(refusal({ LOG_FORMAT: 'xml' })).toContain('LOG_FORMAT must be one of auto, json, pretty (got "xml")');
    expect(refusal({ LOG_LEVEL: 'loud' })).toContain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
    expect(refusal({ COREBANK_PROFILE: 'staging' })).toContain('COREBANK_PROFILE must be one of local, production');
  });

  it('a time of day is HH:MM on a 24 h clock', () => {
    expect(refusal({ DAILY_CHECK_AT: '24:00' })).toContain('DAILY_CHECK_AT must be HH:MM (24 h)');
    expect(refusal({ DAILY_ACCOUNT_BALANCE_AT: '7:05' })).toContain('DAILY_ACCOUNT_BALANCE_AT must be HH:MM');
  });
});

describe('text, secrets and keys', () => {
  it('DATABASE_URL is required: missing and empty are refused', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL is not set/);
    expect(() => loadConfig({ DATABASE_URL: '' })).toThrow(/DATABASE_URL is not set/);
  });

  it('a short secret is refused without echoing it', () => {
    const message = refusal({ JWT_SECRET: 'short-secret-value' });
    expect(message).toContain('JWT_SECRET must be at least 32 characters');
    expect(message).not.toContain('short-secret-value');
    expect(refusal({ OTP_SECRET: 'x' })).toContain('OTP_SECRET must be at least 32 characters');
  });

  it('AES keys: each entry an id and 32 bytes', () => {
    const good = randomBytes(32).toString('base64');
    expect(load('PAYLOAD_ENCRYPTION_KEYS', `k1:${good}`).payloadKeys?.currentKeyId).toBe('k1');
    expect(refusal({ PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(16).toString('base64')}` })).toContain(
      'PAYLOAD_ENCRYPTION_KEYS key k1 must be 32 bytes',
    );
    expect(refusal({ WEBHOOK_SECRET_KEYS: good })).toContain('WEBHOOK_SECRET_KEYS each entry is <key id>:<base64 key>');
    expect(refusal({ WEBHOOK_SECRET_KEYS: good })).not.toContain(good);
  });

  it('decimals are plain decimal strings', () => {
    expect(load('FX_SPREAD', '0.01').fx.spread).toBe('0.01');
    for (const bad of ['1e3', '-1', 'abc', '1,5', '.5']) {
      expect(refusal({ DOCUMENT_THRESHOLD: bad }), bad).toContain('DOCUMENT_THRESHOLD must be a plain decimal string');
    }
  });
});

describe('JSON settings', () => {
  it('malformed JSON is refused with an example', () => {
    for (const name of ['TRANSFER_LIMITS', 'TRANSFER_FEES', 'APPROVAL_THRESHOLDS', 'FX_RATES']) {
      expect(refusal({ [name]: '{nope' })).toMatch(new RegExp(`${name} is not JSON \\(for example \\{`));
    }
  });

  it('TRANSFER_LIMITS: currency to perTransfer and daily decimal strings; a typo of a key is refused, not ignored', () => {
    expect(load('TRANSFER_LIMITS', '{"EUR":{"daily":"500"}}').transferLimits).toEqual({ EUR: { daily: '500' } });
    expect(refusal({ TRANSFER_LIMITS: '{"EUR":{"perTx":"1"}}' })).toContain('TRANSFER_LIMITS.EUR has unknown keys: perTx');
    expect(refusal({ TRANSFER_LIMITS: '{"EUR":{"daily":500}}' })).toContain('TRANSFER_LIMITS.EUR.daily must be a plain decimal string');
    expect(refusal({ TRANSFER_LIMITS: '{"EUR":5}' })).toContain('TRANSFER_LIMITS.EUR must be a JSON object');
    expect(refusal({ TRANSFER_LIMITS: '{"EURO":{}}' })).toContain('TRANSFER_LIMITS.EURO is not a currency code');
    expect(refusal({ TRANSFER_LIMITS: '[]' })).toContain('TRANSFER_LIMITS must be a JSON object');
    expect(refusal({ APPROVAL_THRESHOLDS: '"1000"' })).toContain('APPROVAL_THRESHOLDS must be a JSON object');
    expect(refusal({ FX_RATES: '[1]' })).toContain('FX_RATES must be a JSON object');
  });

  it('TRANSFER_FEES: per transfer type over the defaults', () => {
    expect(load('TRANSFER_FEES', '{"Sepa":"1.00"}').transfers.fees).toEqual({ Internal: '0', Sepa: '1.00', Swift: '15.00' });
    expect(refusal({ TRANSFER_FEES: '{"Sepa":1}' })).toContain('TRANSFER_FEES.Sepa must be a plain decimal string');
    expect(refusal({ TRANSFER_FEES: '{"Wire":"1"}' })).toContain('TRANSFER_FEES has unknown keys: Wire');
  });

  it('APPROVAL_THRESHOLDS: 0 to 10^15 per currency, over {"*":"1000"}', () => {
    expect(load('APPROVAL_THRESHOLDS', '{"JPY":"150000"}').backOffice.approvalThresholds).toEqual({ '*': '1000', JPY: '150000' });
    expect(() => load('APPROVAL_THRESHOLDS', '{"EUR":"0"}')).not.toThrow();
    expect(() => load('APPROVAL_THRESHOLDS', '{"EUR":"1000000000000000"}')).not.toThrow();
    expect(refusal({ APPROVAL_THRESHOLDS: '{"EUR":"1000000000000001"}' })).toContain('APPROVAL_THRESHOLDS.EUR must be at most 10^15');
    for (const bad of ['{"EUR":"-1"}', '{"EUR":"1e3"}', '{"EUR":1000}']) {
      expect(refusal({ APPROVAL_THRESHOLDS: bad }), bad).toContain('APPROVAL_THRESHOLDS.EUR must be a plain decimal string');
    }
    expect(refusal({ APPROVAL_THRESHOLDS: '{"XXQ":"5"}' })).toContain('APPROVAL_THRESHOLDS.XXQ is not a currency code');
  });

  it('FX_RATES: positive rates of ISO currencies over the built-in table', () => {
    const rates = load('FX_RATES', '{"USD":"1.0850"}').fx.rates;
    expect(rates.USD).toBe('1.0850');
    expect(rates.GBP).toBe('0.855');
    expect(refusal({ FX_RATES: '{"USD":"0"}' })).toContain('FX_RATES.USD must be above 0');
    expect(refusal({ FX_RATES: '{"*":"1"}' })).toContain('FX_RATES.* is not a currency code');
  });
});

describe('the refusal', () => {
  /** Each problem on a line of its own, in one message. */
  const problemLines = (message: string) => message.split('\n').slice(1);

  it('names every bad variable at once, with why', () => {
    const message = refusal({ API_PORT: '0', OTP_MAX_ATTEMPTS: 'many', FX_RATES: 'nope', LOG_FORMAT: 'xml', DATABASE_URL: undefined });
    expect(message).toMatch(/^configuration refused, 5 problems:/);
    expect(problemLines(message)).toEqual([
      '  - DATABASE_URL is not set',
      '  - API_PORT is below 1 (allowed: 1 to 65535) (got "0")',
      '  - OTP_MAX_ATTEMPTS is not a whole number (allowed: 1 to 100) (got "many")',
      '  - FX_RATES is not JSON (for example {"USD":"1.0850"}) (got "nope")',
      '  - LOG_FORMAT must be one of auto, json, pretty (got "xml")',
    ]);
  });

  it('names every broken rule between variables at once too', () => {
    const message = refusal({ COREBANK_PROFILE: 'production', TEMPORAL_ADDRESS: 'temporal:7233', IBAN_COUNTRY: 'XX' });
    const lines = problemLines(message);
    expect(lines).toHaveLength(6);
    expect(lines.map((line) => line.match(/^ {2}- (\S+)/)?.[1])).toEqual([
      'JWT_SECRET',
      'OTP_SECRET',
      'TEMPORAL_ADDRESS=temporal:7233',
      'PAYLOAD_ENCRYPTION_KEYS',
      'IBAN_COUNTRY=XX',
      'WEBHOOK_SECRET_KEYS',
    ]);
  });

  it('every default is itself a valid value', () => {
    expect(() => loadConfig(base)).not.toThrow();
  });
});
