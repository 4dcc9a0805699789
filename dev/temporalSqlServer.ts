import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import postgres from 'postgres';
import { stringify } from 'yaml';
import { type TemporalTls, temporalTlsFrom } from '../config/temporalTls';
import { freeLowPort, freePort } from './ports';
import { type Child, GiveUp, startChild, waitFor } from './processes';
import { DYNAMIC_CONFIG_FILE } from './temporalDynamicConfig';
import { findOrBuildTemporalServer, type TemporalServerBinaries } from './temporalServerBinaries';
import { type TemporalTlsFiles, temporalTlsClientEnv } from './temporalTlsCerts';

/**
 * The real Temporal server (not the dev server) on PostgreSQL, all four services in one process,
 * as `npm run start:cluster` and the cluster test profile run it. What docker-compose.yml does with
 * its admin-tools jobs happens here in code: the databases `temporal` and `temporal_visibility`
 * are created and brought to the newest schema by the server's own SQL tool, the server starts,
 * and the namespace is registered once the frontend answers.
 */
export interface TemporalSqlServerOptions {
  binaries: TemporalServerBinaries;
  /** A PostgreSQL superuser URL; the Temporal databases are created next to the ledger's. */
  postgresUrl: string;
  /** Where the generated config lives. */
  dir: string;
  /** Frontend gRPC port; the other services take the next free ones given in `ports`. */
  ports: TemporalSqlServerPorts;
  namespace?: string;
  onLine?: (line: string) => void;
  /**
   * Mutual TLS on the frontend (gRPC and HTTP): only clients with a certificate signed by `ca`
   * get past the handshake. Unset: plain text, on 127.0.0.1 only.
   */
  tls?: TemporalTlsFiles;
}

/** Every port the server and its UI listen on (all on 127.0.0.1). */
export interface TemporalSqlServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Membership (ringpop) ports of frontend, history, matching, worker; below 32768 (a smallint column). */
  membership: [number, number, number, number];
  metrics: number;
  /** Unset: no Web UI. */
  ui?: number;
}

export interface TemporalSqlServer {
  address: string;
  /** TLS settings for a client of this server (undefined: plain text), as config/temporalTls.ts reads them. */
  tls: TemporalTls | undefined;
  uiUrl: string | null;
  stop(): Promise<void>;
  /** The server process (the fault suite kills it). */
  child: Child;
}

/**
 * History shards are fixed for the life of a cluster's data: the number chosen at its first start
 * can never be changed (only a migration to a new cluster can). A shard is the unit of history
 * throughput and of failover between history hosts, so it is sized for the production the data
 * may grow into, not for one machine: 512, as Temporal suggests for a production cluster (a few
 * hundred to a few thousand). On one machine, 512 idle shards cost a few seconds at start and some
 * memory. compose's NUM_HISTORY_SHARDS is held equal to this by test/unit/compose.test.ts.
 */
export const NUM_HISTORY_SHARDS = 512;
export const RETENTION_DAYS = 30;
const DATABASES = ['temporal', 'temporal_visibility'] as const;

const run = promisify(execFile);

/** Creates the databases if missing and brings both schemas up to date (idempotent). */
async function setUpSchemas(options: TemporalSqlServerOptions, log: (line: string) => void) {
  const url = new URL(options.postgresUrl);
  const admin = postgres(options.postgresUrl, { max: 1, onnotice: () => {} });
  try {
    for (const db of DATABASES) {
      const [exists] = await admin`select 1 from pg_database where datname = ${db}`;
      if (!exists) await admin.unsafe(`create database ${db}`);
    }
  } finally {
    await admin.end();
  }
  const connection = [
    '--plugin',
    'postgres12',
    '--ep',
    url.hostname,
    '-p',
    url.port,
    '-u',
    decodeURIComponent(url.username),
    '--pw',
    decodeURIComponent(url.password),
  ];
  const schemaDirs = { temporal: 'temporal', temporal_visibility: 'visibility' } as const;
  for (const db of DATABASES) {
    const tool = async (...args: string[]) => {
      try {
        await run(options.binaries.sqlTool, [...connection, '--db', db, ...args]);
      } catch (error) {
        const e = error as { stderr?: string; stdout?: string };
        throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed:\n${e.stderr || e.stdout || String(error)}`);
      }
    };
    // setup-schema -v 0.0 only creates the version table (and is a no-op once it exists);
    // update-schema applies every versioned step the database has not seen yet.
    await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', join(options.binaries.postgresSchemaDir, schemaDirs[db], 'versioned'));
  }
  log('Temporal schemas up to date');
}

/**
 * The shard count the data was created with (one row per shard once the server has run), or
 * undefined for fresh data. Data made before the count became 512 keeps its own count: the server
 * cannot change it, so start:cluster runs it with that count rather than fail.
 */
async function persistedShardCount(postgresUrl: string): Promise<number | undefined> {
  const url = new URL(postgresUrl);
  url.pathname = '/temporal';
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ count: string }[]>`SELECT count(*)::text AS count FROM shards`;
    const count = Number(row?.count ?? 0);
    return count > 0 ? count : undefined;
  } catch {
    return undefined;
  } finally {
    await sql.end();
  }
}

/** The server's config: Temporal's development-postgres12.yaml, bound to our ports and database. */
function serverConfig(options: TemporalSqlServerOptions, numHistoryShards: number): unknown {
  const url = new URL(options.postgresUrl);
  const { ports } = options;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${url.hostname}:${url.port}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  return {
    // Warnings and errors only: the info level prints every shard and membership change.
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards,
      datastores: { 'postgres-default': datastore('temporal', 20), 'postgres-visibility': datastore('temporal_visibility', 4) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
      ...(options.tls ? { tls: frontendTls(options.tls) } : {}),
    },
    services: {
      frontend: service(ports.frontend, ports.membership[0], { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.membership[1]),
      matching: service(ports.matching, ports.membership[2]),
      worker: service(ports.worker, ports.membership[3]),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' },
  };
}

/**
 * The server's `global.tls` (common/config/config.go of the server: RootTLS) for mutual TLS on the
 * frontend. The services' traffic among themselves (internode) stays plain: it never leaves
 * 127.0.0.1 here. The server's own system worker (schedules, batch, scanner) is a frontend client
 * like any other, so it presents the client certificate (`systemWorker`); without it, it could not
 * pass requireClientAuth.
 */
function frontendTls(tls: TemporalTlsFiles): unknown {
  const client = { serverName: tls.serverName, rootCaFiles: [tls.ca] };
  return {
    frontend: {
      server: { certFile: tls.serverCert, keyFile: tls.serverKey, requireClientAuth: true, clientCaFiles: [tls.ca] },
      client,
    },
    systemWorker: { certFile: tls.clientCert, keyFile: tls.clientKey, client },
  };
}

/** The Web UI server's config: the frontend to call and the port to serve. */
function uiConfig(options: TemporalSqlServerOptions, uiPort: number): unknown {
  return {
    temporalGrpcAddress: `127.0.0.1:${options.ports.frontend}`,
    host: '127.0.0.1',
    port: uiPort,
    enableUi: true,
    defaultNamespace: options.namespace ?? 'default',
    notifyOnNewVersion: false,
    cors: { allowOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`] },
    // The UI server is a frontend client too (ui-server's docker/config_template.yaml names these keys).
    ...(options.tls
      ? {
          tls: {
            caFile: options.tls.ca,
            certFile: options.tls.clientCert,
            keyFile: options.tls.clientKey,
            serverName: options.tls.serverName,
            enableHostVerification: true,
          },
        }
      : {}),
  };
}

/** Registers the namespace if missing and waits until the frontend serves it (its cache refreshes). */
async function ensureNamespace(address: string, tls: TemporalTls | undefined, namespace: string) {
  const connection = await Connection.connect({ address, tls });
  try {
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch {
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${RETENTION_DAYS} days`) })
        .catch((error: { code?: number }) => {
          // ALREADY_EXISTS (6): another starter won the race.
          if (error.code !== 6) throw error;
        });
    }
    await waitFor(
      `namespace ${namespace} to be served`,
      async () => {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return true;
      },
      60_000,
      500,
    );
  } finally {
    await connection.close();
  }
}

/**
 * A server log line (zap JSON) as one short line: level, message, error and where; the stack
 * traces and call sites are for Temporal's developers. Undefined for lines not worth showing.
 */
export function summarizeServerLine(line: string): string | undefined {
  if (!line.startsWith('{')) return /error|panic|fatal/i.test(line) ? line : undefined;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const where = ['component', 'operation', 'wf-namespace', 'shard-id'].flatMap((key) =>
      entry[key] === undefined ? [] : [`${key}=${entry[key]}`],
    );
    return [`${entry.level}: ${entry.msg}`, entry.error ? `(${entry.error})` : '', where.length ? `[${where.join(' ')}]` : '']
      .filter(Boolean)
      .join(' ');
  } catch {
    return line;
  }
}

export async function startTemporalSqlServer(options: TemporalSqlServerOptions): Promise<TemporalSqlServer> {
  const log = options.onLine ?? (() => {});
  const namespace = options.namespace ?? 'default';
  await setUpSchemas(options, log);
  const configDir = join(options.dir, 'config');
  await mkdir(configDir, { recursive: true });
  const persisted = await persistedShardCount(options.postgresUrl);
  if (persisted !== undefined && persisted !== NUM_HISTORY_SHARDS) {
    log(
      `this Temporal data was created with ${persisted} history shards, which can never change; it keeps them (new data gets ${NUM_HISTORY_SHARDS}: remove the data directory to start over, losing its workflows)`,
    );
  }
  await writeFile(join(configDir, 'development.yaml'), stringify(serverConfig(options, persisted ?? NUM_HISTORY_SHARDS)));

  const address = `127.0.0.1:${options.ports.frontend}`;
  // Read through the clients' own code path, so the files are checked as the API's would be.
  const tls = options.tls
    ? temporalTlsFrom(temporalTlsClientEnv(options.tls), (message) => {
        throw new Error(message);
      })
    : undefined;
  // While the services find each other, shards and hosts report errors that resolve themselves
  // within seconds: kept back, and shown only if the start fails.
  let started = false;
  const startLines: string[] = [];
  const child = startChild({
    name: 'temporal',
    command: options.binaries.server,
    args: ['--root', options.dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    onLine: (line) => {
      const summary = summarizeServerLine(line);
      if (summary === undefined) return;
      if (started) log(summary);
      else startLines.push(summary);
      if (summary.startsWith('fatal')) fatal = summary;
    },
  });
  // A fatal error at start does not always end the process: seen, the start fails at once.
  let fatal: string | undefined;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  // Once stopping, the services report each other gone: expected, not shown.
  const stops: (() => Promise<void>)[] = [
    () => {
      started = false;
      startLines.length = 0;
      return child.stop(20_000);
    },
  ];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    await waitFor(
      `the Temporal server on ${address}`,
      async () => {
        if (exited || fatal) throw new GiveUp(`the Temporal server failed at start: ${fatal ?? 'it exited'}`);
        const connection = await Connection.connect({ address, tls, connectTimeout: 1000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return true;
        } finally {
          await connection.close();
        }
      },
      120_000,
      300,
    );
    await ensureNamespace(address, tls, namespace);
    started = true;

    let uiUrl: string | null = null;
    if (options.ports.ui !== undefined && options.binaries.ui) {
      const uiDir = join(options.dir, 'ui');
      await mkdir(join(uiDir, 'config'), { recursive: true });
      await writeFile(join(uiDir, 'config', 'development.yaml'), stringify(uiConfig(options, options.ports.ui)));
      const ui = startChild({
        name: 'temporal-ui',
        command: options.binaries.ui,
        args: ['--root', uiDir, '--env', 'development', 'start'],
        // Its banner and request log are noise here: errors only.
        onLine: (line) => {
          if (/"status":5\d\d|error|panic/i.test(line) && !line.includes('"error":""')) log(`ui: ${line}`);
        },
      });
      stops.push(() => ui.stop(5_000));
      uiUrl = `http://127.0.0.1:${options.ports.ui}`;
      await waitFor('the Temporal Web UI', async () => (await fetch(uiUrl as string)).ok, 30_000, 300);
    }
    return { address, tls, uiUrl, child, stop };
  } catch (error) {
    const kept = [...startLines];
    await stop();
    for (const line of kept) log(line);
    throw error;
  }
}

/** Every port the server needs, free a moment ago; the membership ones below 32768. */
export async function freeServerPorts(): Promise<TemporalSqlServerPorts> {
  return {
    frontend: await freePort(),
    frontendHttp: await freePort(),
    history: await freePort(),
    matching: await freePort(),
    worker: await freePort(),
    metrics: await freePort(),
    membership: [await freeLowPort(), await freeLowPort(), await freeLowPort(), await freeLowPort()],
  };
}

/** The server without its UI on free ports, its databases next to `postgresUrl`'s: as tests and the bench run it. */
export async function startTemporalSqlServerOnFreePorts(postgresUrl: string, dir: string, log: (line: string) => void) {
  const binaries = await findOrBuildTemporalServer(log, { ui: false });
  const ports = await freeServerPorts();
  return startTemporalSqlServer({ binaries, postgresUrl, dir: join(dir, 'temporal'), ports, onLine: (line) => log(`temporal ${line}`) });
}
