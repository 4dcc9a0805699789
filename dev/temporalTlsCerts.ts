import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * PEM files for Temporal's frontend over mutual TLS on one machine: a throwaway CA, a server
 * certificate for 127.0.0.1 and localhost, and one client certificate that the API, the workers
 * and the server's own system worker present. Made with openssl (on every machine that runs Node).
 */
export interface TemporalTlsFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The name clients check in the server's certificate (also in it: IP 127.0.0.1). */
  serverName: string;
}

export const TLS_SERVER_NAME = 'localhost';

export function tlsFilesIn(dir: string): TemporalTlsFiles {
  return {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    serverName: TLS_SERVER_NAME,
  };
}

/**
 * Makes the CA and both certificates in `dir` unless all are there already (start:cluster keeps
 * them across restarts). EC P-256 keys: instant to make. Every certificate is X.509 v3 with its
 * key usage spelled out: the SDK's Rust core (rustls/webpki) refuses v1 certificates and a leaf
 * without the serverAuth / clientAuth purpose.
 */
export async function makeTemporalTlsCerts(dir: string, { days = 30 } = {}): Promise<TemporalTlsFiles> {
  const files = tlsFilesIn(dir);
  const all = [files.ca, files.serverCert, files.serverKey, files.clientCert, files.clientKey];
  if (all.every((file) => existsSync(file))) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ssl = async (...args: string[]) => {
    try {
      await run('openssl', args, { cwd: dir });
    } catch (error) {
      const e = error as { stderr?: string; code?: string };
      throw new Error(`openssl ${args[0]} failed: ${e.code === 'ENOENT' ? 'openssl is not installed' : e.stderr || String(error)}`);
    }
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    String(days),
    '-subj',
    '/CN=corebank-temporal-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  const leaf = async (name: string, subject: string, extensions: string) => {
    await writeFile(join(dir, `${name}.ext`), extensions);
    await ssl('req', ...ec, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    await ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      String(days),
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  };
  const common = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  await leaf(
    'server',
    `/CN=${TLS_SERVER_NAME}`,
    `${common}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:${TLS_SERVER_NAME},IP:127.0.0.1\n`,
  );
  await leaf('client', '/CN=corebank-client', `${common}extendedKeyUsage=clientAuth\n`);
  return files;
}

/** The client side as the API and the worker read it (config/temporalTls.ts): the Temporal CLI's variables. */
export function temporalTlsClientEnv(files: TemporalTlsFiles): Record<string, string> {
  return {
    TEMPORAL_TLS_CA: files.ca,
    TEMPORAL_TLS_CERT: files.clientCert,
    TEMPORAL_TLS_KEY: files.clientKey,
    TEMPORAL_TLS_SERVER_NAME: files.serverName,
  };
}
