import { createSql, type SessionLimits, type Sql, type SqlOptions } from './db';
import { assertSchemaCurrent, migrate } from './migrate';
import { checkPoolSizing, type PoolSizing } from './poolSizing';
import { runtimeRoleOf } from './roles';

export interface RuntimeDatabasePolicy {
  session: SessionLimits;
  maxLifetimeSeconds: number;
  poolMax: number;
  poolProcesses: number;
  reservedConnections: number;
}

/** The pool options of an API or worker process. */
export function runtimeSqlOptions(policy: RuntimeDatabasePolicy): SqlOptions {
  return { max: policy.poolMax, session: policy.session, maxLifetimeSeconds: policy.maxLifetimeSeconds };
}

export interface StartupOptions {
  databaseUrl: string;
  /** MIGRATION_DATABASE_URL: the tables' owner, when the runtime connects as another role. */
  migrationDatabaseUrl?: string;
  policy: RuntimeDatabasePolicy;
  /** Apply migrations now (local profile) instead of checking that the migration step ran. */
  migrateOnStart: boolean;
  /** An oversized pool stops the process (production) instead of a warning. */
  refuseOversizedPools: boolean;
  log: { info: (message: string) => void; warn: (message: string) => void };
}

export class StartupRefused extends Error {}

/** What the API and the worker read from their configuration for the startup checks, alike. */
export interface RuntimeDatabaseConfig {
  databaseUrl: string;
  migrationDatabaseUrl?: string;
  database: RuntimeDatabasePolicy;
  migrateOnStart: boolean;
  profile: string;
}

export function startupOptionsOf(config: RuntimeDatabaseConfig, log: StartupOptions['log']): StartupOptions {
  return {
    databaseUrl: config.databaseUrl,
    migrationDatabaseUrl: config.migrationDatabaseUrl,
    policy: config.database,
    migrateOnStart: config.migrateOnStart,
    refuseOversizedPools: config.profile === 'production',
    log,
  };
}

/**
 * What an API or worker process checks of its database before it serves: migrations applied (or
 * applied now, locally), and the pool-sizing rule against the server's max_connections.
 */
export async function prepareRuntimeDatabase(sql: Sql, options: StartupOptions): Promise<void> {
  if (options.migrateOnStart) {
    const ownerUrl = options.migrationDatabaseUrl ?? options.databaseUrl;
    const owner = ownerUrl === options.databaseUrl ? sql : createSql(ownerUrl, { max: 1 });
    try {
      const runtimeRole = options.migrationDatabaseUrl ? runtimeRoleOf(options.migrationDatabaseUrl, options.databaseUrl) : undefined;
      await migrate(owner, options.log.info, runtimeRole ? { runtimeRole } : {});
    } finally {
      if (owner !== sql) await owner.end({ timeout: 5 });
    }
  }
  const version = await assertSchemaCurrent(sql);
  options.log.info(`database schema at version ${version}`);
  const sizing: PoolSizing = {
    poolMax: options.policy.poolMax,
    processes: options.policy.poolProcesses,
    reserved: options.policy.reservedConnections,
  };
  const verdict = await checkPoolSizing(sql, sizing);
  if (verdict.ok) options.log.info(verdict.message);
  else if (options.refuseOversizedPools) throw new StartupRefused(verdict.message);
  else options.log.warn(verdict.message);
}
