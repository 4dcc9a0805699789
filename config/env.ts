/**
 * The process configuration, read from the environment once. A bad value stops the process at
 * start with a message that names the variable, instead of failing later on first use.
 */
export interface Config {
  /** `local` allows the built-in development JWT secret and the local notifier. */
  profile: 'local' | 'production';
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  apiHost: string;
  apiPort: number;
  jwtSecret: string;
  logLevel: string;
  /** The longest an API request waits for a workflow update before answering 503. */
  workflowWaitMs: number;
}

/** Used only by the local profile, so `npm start` and `npm run token` work with no setup. */
export const LOCAL_JWT_SECRET = 'corebank-local-development-secret-do-not-use-in-production';

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const profile = oneOf(env, 'COREBANK_PROFILE', ['local', 'production'], 'local');
  const jwtSecret = env.JWT_SECRET ?? (profile === 'local' ? LOCAL_JWT_SECRET : undefined);
  if (!jwtSecret || jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET must be set to at least 32 characters (only the local profile has a default)');
  }
  return {
    profile,
    databaseUrl: required(env, 'DATABASE_URL'),
    temporalAddress: env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? 'corebank',
    apiHost: env.API_HOST ?? '127.0.0.1',
    apiPort: integer(env, 'API_PORT', 3000),
    jwtSecret,
    logLevel: env.LOG_LEVEL ?? 'info',
    workflowWaitMs: integer(env, 'WORKFLOW_WAIT_MS', 30_000),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name] ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}
