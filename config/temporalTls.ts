import { readFileSync } from 'node:fs';

/**
 * TLS towards Temporal's frontend, read once at start. The variables are the Temporal CLI's own
 * (paths to PEM files), so the same environment serves `temporal` on an ops machine:
 * TEMPORAL_TLS_CA verifies the server, TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY are this client's
 * certificate for mTLS, TEMPORAL_TLS_SERVER_NAME overrides the name checked in the server's
 * certificate (and sent as SNI), TEMPORAL_TLS=true turns TLS on with the system's trusted CAs only.
 */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

type Fail = (message: string) => never;

function pem(env: NodeJS.ProcessEnv, name: string, fail: Fail): Buffer | undefined {
  const path = env[name];
  if (!path) return undefined;
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    return fail(`${name}=${path} cannot be read: ${(error as Error).message}`);
  }
  if (!content.toString('utf8').includes('-----BEGIN ')) fail(`${name}=${path} is not a PEM file`);
  return content;
}

/** The TLS settings, or undefined for plain text (none of the variables set). */
export function temporalTlsFrom(env: NodeJS.ProcessEnv, fail: Fail): TemporalTls | undefined {
  const ca = pem(env, 'TEMPORAL_TLS_CA', fail);
  const crt = pem(env, 'TEMPORAL_TLS_CERT', fail);
  const key = pem(env, 'TEMPORAL_TLS_KEY', fail);
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  const enabled = env.TEMPORAL_TLS;
  if (enabled !== undefined && enabled !== '' && enabled !== 'true' && enabled !== 'false') {
    fail(`TEMPORAL_TLS must be true or false, got "${enabled}"`);
  }
  if (Boolean(crt) !== Boolean(key))
    fail('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (a client certificate and its key, for mTLS)');
  const any = Boolean(ca || crt || serverName);
  if (enabled === 'false') {
    if (any) fail('TEMPORAL_TLS=false contradicts the TEMPORAL_TLS_* files or server name that are set');
    return undefined;
  }
  if (!any && enabled !== 'true') return undefined;
  return {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
}

/** Whether a Temporal address (`host:port`, `[v6]:port`) names this machine: plain text never leaves it. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** What Connection.connect and NativeConnection.connect take: the address, and TLS when configured. */
export function temporalConnectionOptions(config: { temporalAddress: string; temporalTls: TemporalTls | undefined }) {
  return { address: config.temporalAddress, ...(config.temporalTls ? { tls: config.temporalTls } : {}) };
}
