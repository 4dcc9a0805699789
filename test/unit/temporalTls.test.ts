import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';
import { isLoopbackAddress, temporalConnectionOptions } from '../../config/temporalTls';

/** A throwaway CA and a client certificate it signed, made with openssl for this run. */
function certificates() {
  const dir = mkdtempSync(join(tmpdir(), 'corebank-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=corebank-worker', '-keyout', 'client.key', '-out', 'client.csr');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'client.pem');
  writeFileSync(join(dir, 'not-pem.txt'), 'hello');
  return { dir, ca: join(dir, 'ca.pem'), crt: join(dir, 'client.pem'), key: join(dir, 'client.key'), notPem: join(dir, 'not-pem.txt') };
}

const production = {
  COREBANK_PROFILE: 'production',
  DATABASE_URL: 'postgres://corebank@db/corebank',
  JWT_SECRET: 'j'.repeat(40),
  OTP_SECRET: 'o'.repeat(40),
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

describe('Temporal TLS settings', () => {
  const certs = certificates();

  it('the production profile refuses a plain-text Temporal that is not on this machine', () => {
    expect(() => loadConfig({ ...production, TEMPORAL_ADDRESS: 'temporal:7233' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, TEMPORAL_ADDRESS: '10.0.0.5:7233' })).toThrow(/only over TLS/);
    for (const loopback of ['127.0.0.1:7233', 'localhost:7233', '[::1]:7233']) {
      expect(loadConfig({ ...production, TEMPORAL_ADDRESS: loopback }).temporalTls, loopback).toBeUndefined();
    }
    // The local profile is for one machine and its dev server: plain text anywhere.
    expect(loadConfig({ DATABASE_URL: production.DATABASE_URL, TEMPORAL_ADDRESS: 'temporal:7233' }).temporalTls).toBeUndefined();
  });

  it('reads the CA, the client certificate pair (mTLS) and the server name, and hands them to every connection', () => {
    const config = loadConfig({
      ...production,
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_CERT: certs.crt,
      TEMPORAL_TLS_KEY: certs.key,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const options = temporalConnectionOptions(config);
    expect(options.address).toBe('temporal:7233');
    expect(options.tls?.serverNameOverride).toBe('temporal.internal');
    expect(options.tls?.serverRootCACertificate?.toString()).toContain('BEGIN CERTIFICATE');
    expect(options.tls?.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
    expect(options.tls?.clientCertPair?.key.toString()).toContain('PRIVATE KEY');
    // TEMPORAL_TLS=true alone: TLS against the system's trusted CAs (a managed Temporal).
    expect(loadConfig({ ...production, TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233', TEMPORAL_TLS: 'true' }).temporalTls).toEqual({});
  });

  it('fails at start with a message naming the variable', () => {
    const base = { ...production, TEMPORAL_ADDRESS: 'temporal:7233' };
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CA: join(certs.dir, 'missing.pem') })).toThrow(/TEMPORAL_TLS_CA=.* cannot be read/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CA: certs.notPem })).toThrow(/TEMPORAL_TLS_CA=.* is not a PEM file/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CERT: certs.crt })).toThrow(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS: 'yes' })).toThrow(/TEMPORAL_TLS must be true or false/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: certs.ca })).toThrow(/contradicts/);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1:7233', '127.1.2.3:1', 'localhost:7233', '[::1]:7233'].every(isLoopbackAddress)).toBe(true);
    expect(
      ['temporal:7233', '10.0.0.1:7233', '[2001:db8::1]:7233', 'localhost.evil.com:7233', '127.0.0.1.nip.io:7233'].some(isLoopbackAddress),
    ).toBe(false);
  });
});
