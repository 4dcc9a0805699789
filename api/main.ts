import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/env';
import { createLogger } from '../config/log';
import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { appDepsFrom, createApp } from './app';

/** The API process: serves HTTP until SIGINT/SIGTERM, then closes its connections. */
async function main() {
  const config = loadConfig();
  const log = createLogger('api', config.logLevel);
  const sql = createSql(config.databaseUrl, { max: 20 });
  await migrate(sql, (line) => log.info(line));
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });

  const app = createApp(
    appDepsFrom(config, { sql, temporal, logError: (error, context) => log.error({ err: error, ...context }, 'unexpected error') }),
  );
  const server = serve({ fetch: app.fetch, hostname: config.apiHost, port: config.apiPort }, (info) => {
    log.info({ url: `http://${config.apiHost}:${info.port}` }, 'api listening');
  });

  const stop = async (signal: string) => {
    log.info({ signal }, 'api stopping');
    server.close();
    await connection.close();
    await sql.end({ timeout: 5 });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
