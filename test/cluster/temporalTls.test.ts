import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { temporalConnectionOptions } from '../../config/temporalTls';
import { freePort } from '../../dev/ports';
import { type RunningPostgres, startEmbeddedPostgres } from '../../dev/postgres';
import { findOrBuildTemporalServer, serverCacheDir } from '../../dev/temporalServerBinaries';
import { freeServerPorts, startTemporalSqlServer, type TemporalSqlServer } from '../../dev/temporalSqlServer';
import { makeTemporalTlsCerts, type TemporalTlsFiles, temporalTlsClientEnv } from '../../dev/temporalTlsCerts';
import { tlsEcho } from './tlsEchoWorkflow';

/**
 * The cluster profile's real Temporal server (1.29.1 on PostgreSQL, as `npm run start:cluster`
 * runs it) with mutual TLS on its frontend, certificates made by openssl for this run: a client
 * configured the way the API and the worker are (TEMPORAL_TLS_* read by config/temporalTls.ts)
 * connects and a workflow runs on a worker polling over TLS; a plain-text client, and a TLS client
 * without a certificate, are refused.
 *
 * It needs the server binary: CI's TEST_TEMPORAL=server step builds it and runs this file. Outside
 * that step it runs wherever the binary is already cached, except in CI's plain `npm test`, which
 * would only run it twice.
 */
const serverCached = existsSync(join(serverCacheDir(), 'server'));
const skipReason =
  process.env.TEST_TEMPORAL === 'server'
    ? undefined
    : !serverCached
      ? `the Temporal server is not built (${serverCacheDir()}); run with TEST_TEMPORAL=server to build it`
      : process.env.CI === 'true'
        ? 'CI runs this in its TEST_TEMPORAL=server step'
        : undefined;

/** Made-up production secrets: the TLS client is built by loadConfig in the production profile, as the image runs it. */
const production = {
  COREBANK_PROFILE: 'production',
  DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
  JWT_SECRET: 'j'.repeat(40),
  OTP_SECRET: 'o'.repeat(40),
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

/** Whether a client gets an answer: connecting and one call, as every client's first step. */
async function answers(options: Parameters<typeof Connection.connect>[0]): Promise<true> {
  const connection = await Connection.connect({ ...options, connectTimeout: 5_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

describe.skipIf(skipReason !== undefined)(
  `Temporal server with mutual TLS on its frontend${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let dir: string;
    let pg: RunningPostgres | undefined;
    let server: TemporalSqlServer | undefined;
    let certs: TemporalTlsFiles;
    const log = (line: string) => console.log(`[tls] ${line}`);

    beforeAll(async () => {
      // The SDK's worker state lines are noise here (this file runs in a process of its own).
      Runtime.install({ logger: new DefaultLogger('WARN') });
      dir = await mkdtemp(join(tmpdir(), 'corebank-tls-'));
      // Postgres runs as its own user when we are root; it must reach its data directory.
      await chmod(dir, 0o755);
      const [startedPg, binaries, files] = await Promise.all([
        freePort().then((port) => startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, persistent: false, onProgress: log })),
        findOrBuildTemporalServer(log, { ui: false }),
        makeTemporalTlsCerts(join(dir, 'tls')),
      ]);
      pg = startedPg;
      certs = files;
      server = await startTemporalSqlServer({
        binaries,
        postgresUrl: pg.url,
        dir: join(dir, 'temporal'),
        ports: await freeServerPorts(),
        tls: certs,
        onLine: (line) => log(`temporal ${line}`),
      });
      log(`temporal with mTLS at ${server.address}`);
    });

    afterAll(async () => {
      await server?.stop();
      await pg?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('serves a client configured by TEMPORAL_TLS_* (the API and worker settings): a workflow runs on a worker polling over mTLS', async () => {
      const address = server!.address;
      const config = loadConfig({ ...production, TEMPORAL_ADDRESS: address, ...temporalTlsClientEnv(certs) });
      expect(config.temporalTls?.clientCertPair).toBeDefined();

      // The API's side (@temporalio/client, Node's TLS).
      const connection = await Connection.connect(temporalConnectionOptions(config));
      try {
        const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
        expect(namespaceInfo?.name).toBe('default');

        // The worker's side (NativeConnection, the SDK's Rust core and its own TLS stack).
        const native = await NativeConnection.connect(temporalConnectionOptions(config));
        try {
          const { code } = await bundleWorkflowCode({
            workflowsPath: fileURLToPath(new URL('./tlsEchoWorkflow.ts', import.meta.url)),
            logger: new DefaultLogger('WARN'),
          });
          const taskQueue = `tls-${Date.now()}`;
          const worker = await Worker.create({ connection: native, namespace: 'default', taskQueue, workflowBundle: { code } });
          const client = new Client({ connection, namespace: 'default' });
          const result = await worker.runUntil(
            client.workflow.execute(tlsEcho, { taskQueue, workflowId: `${taskQueue}-echo`, args: ['corebank'], workflowRunTimeout: '30s' }),
          );
          expect(result).toBe('hello corebank over mTLS');
          log(`workflow ${taskQueue}-echo completed over mTLS: "${result}"`);
        } finally {
          await native.close();
        }
      } finally {
        await connection.close();
      }
    });

    it('refuses a plain-text client, and a TLS client without a client certificate', async () => {
      const address = server!.address;
      const refusal = (attempt: Promise<unknown>) =>
        attempt.then(
          () => 'served',
          (error: Error) => error.message,
        );
      const plain = await refusal(answers({ address }));
      const plainNative = await refusal(NativeConnection.connect({ address }));
      // Server verified, but no certificate of our own: requireClientAuth ends the handshake.
      const serverOnly = { serverRootCACertificate: server!.tls!.serverRootCACertificate, serverNameOverride: certs.serverName };
      const noCertificate = await refusal(answers({ address, tls: serverOnly }));
      log(`plain text (client): ${plain}`);
      log(`plain text (native): ${plainNative}`);
      log(`TLS without a client certificate: ${noCertificate}`);
      for (const answer of [plain, plainNative, noCertificate]) expect(answer).not.toBe('served');
      // The same call with the client pair gets in: the refusals above are about TLS and the certificate.
      await expect(answers({ address, tls: server!.tls })).resolves.toBe(true);
    });
  },
);
