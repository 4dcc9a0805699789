import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DRAIN_MARGIN_MS, loadConfig } from '../../config/env';
import { CLUSTER_SHAPE } from '../../dev/clusterShape';
import { loadResources, type Resource } from '../../dev/kubernetesManifests';
import { makeTemporalTlsCerts, type TemporalTlsFiles } from '../../dev/temporalTlsCerts';
import { composeCommand, composeFile, dockerRuntimeStage } from '../shipped/shippedImage';

/**
 * deploy/kubernetes/ against what the rest of the repository says: the commands of the image and
 * compose, the replicas of dev/clusterShape.ts, the ports and grace periods the processes use
 * (config/env.ts defaults), the user of the Dockerfile. The schemas themselves are checked by
 * `npm run check:manifests` (kubernetes-validate, in CI); this holds the wiring.
 */
const resources = loadResources();
const find = (kind: string, name: string): Resource => {
  const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return found;
};
const deployments = { api: find('Deployment', 'corebank-api'), worker: find('Deployment', 'corebank-worker') };
const job = find('Job', 'corebank-migrate');
const podSpecs = [deployments.api, deployments.worker, job].map((r) => ({ name: r.metadata.name, spec: r.spec.template.spec }));
const container = (r: Resource) => r.spec.template.spec.containers[0];
const envOf = (r: Resource): Record<string, string> =>
  Object.fromEntries((container(r).env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
const configMap = find('ConfigMap', 'corebank-config').data as Record<string, string>;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
/** compose's stop_grace_period ("80s") in seconds. */
const composeGraceSeconds = (service: string) => Number(String(composeFile().services[service].stop_grace_period).replace(/s$/, ''));

describe('deploy/kubernetes', () => {
  it('runs the commands of the image and compose, with the replicas of the cluster shape', () => {
    expect(container(deployments.api).command.join(' ')).toBe(CLUSTER_SHAPE.commands.api);
    expect(container(deployments.worker).command.join(' ')).toBe(CLUSTER_SHAPE.commands.worker);
    expect(container(job).command.join(' ')).toBe(CLUSTER_SHAPE.commands.migrate);
    for (const service of ['api', 'worker', 'migrate'] as const) expect(composeCommand(service)).toBe(CLUSTER_SHAPE.commands[service]);
    expect(dockerRuntimeStage().cmd.join(' ')).toBe(CLUSTER_SHAPE.commands.api);
    expect(deployments.api.spec.replicas).toBe(CLUSTER_SHAPE.apis);
    expect(deployments.worker.spec.replicas).toBe(CLUSTER_SHAPE.workers);
    // One image for all, as in compose (kustomization's `images` sets registry and tag).
    expect(new Set(podSpecs.map((p) => p.spec.containers[0].image.split(':')[0]))).toEqual(new Set(['corebank']));
  });

  it('probes the health paths on the ports the processes listen on, as compose does', () => {
    const api = container(deployments.api);
    const worker = container(deployments.worker);
    const compose = composeFile().services;
    const port = (c: any, name: string) => c.ports.find((p: any) => p.name === name)?.containerPort;
    expect(port(api, 'http')).toBe(Number(envOf(deployments.api).API_PORT));
    expect(envOf(deployments.api).API_PORT).toBe(compose.api.environment.API_PORT);
    expect(envOf(deployments.api).API_HOST).toBe('0.0.0.0');
    expect(port(worker, 'metrics')).toBe(Number(envOf(deployments.worker).WORKER_METRICS_PORT));
    expect(envOf(deployments.worker).WORKER_METRICS_PORT).toBe(compose.worker.environment.WORKER_METRICS_PORT);
    expect(envOf(deployments.worker).WORKER_METRICS_HOST).toBe('0.0.0.0');
    for (const [c, portName] of [
      [api, 'http'],
      [worker, 'metrics'],
    ] as const) {
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: portName });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: portName });
      // The readiness check waits READINESS_TIMEOUT_MS for Postgres: the probe must wait longer.
      expect(c.readinessProbe.timeoutSeconds * 1000).toBeGreaterThan(
        loadConfig({ DATABASE_URL: 'postgres://x' }).observability.readinessTimeoutMs,
      );
    }
    // The worker serves exactly these paths (worker/metrics.ts), the API its own (api/app.ts).
    expect(compose.worker.healthcheck.test.join(' ')).toContain(`:${envOf(deployments.worker).WORKER_METRICS_PORT}/health/ready`);
  });

  it('gives each process the grace its drain needs (config/env.ts defaults), the same as compose', () => {
    const defaults = loadConfig({ DATABASE_URL: 'postgres://x' });
    // API: the drain, then requests in flight for WORKFLOW_WAIT_MS + the margin (api/main.ts exits
    // by itself after both): the kubelet's SIGKILL must come later.
    const apiNeedsMs = defaults.shutdown.apiDrainMs + defaults.workflowWaitMs + DRAIN_MARGIN_MS;
    expect(deployments.api.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(apiNeedsMs);
    // Worker: the activities' grace, then the SDK's 10 s shutdownForceTime.
    expect(deployments.worker.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      defaults.shutdown.workerGraceMs + 10_000,
    );
    expect(deployments.api.spec.template.spec.terminationGracePeriodSeconds).toBe(composeGraceSeconds('api'));
    expect(deployments.worker.spec.template.spec.terminationGracePeriodSeconds).toBe(composeGraceSeconds('worker'));
    // The drain relies on readiness removing the endpoint well before it ends.
    const ready = container(deployments.api).readinessProbe;
    expect(ready.periodSeconds * ready.failureThreshold * 1000).toBeLessThan(defaults.shutdown.apiDrainMs);
  });

  it('runs every container locked down, as the Dockerfile user, with requests and limits', () => {
    const uid = Number(dockerRuntimeStage().user?.split(':')[0]);
    expect(uid).toBe(1000);
    for (const { name, spec } of podSpecs) {
      expect(spec.automountServiceAccountToken, name).toBe(false);
      expect(spec.securityContext, name).toMatchObject({ runAsNonRoot: true, runAsUser: uid, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers) {
        expect(c.securityContext, name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        for (const key of ['cpu', 'memory']) {
          expect(c.resources.requests[key], `${name} requests.${key}`).toBeDefined();
          expect(c.resources.limits[key], `${name} limits.${key}`).toBeDefined();
        }
        // A read-only root: /tmp is an emptyDir.
        const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
        expect(spec.volumes.find((v: any) => v.name === tmp?.name)?.emptyDir, name).toBeDefined();
      }
    }
    // The API's documents live on the shared volume, where DOCUMENTS_DIR points.
    const documents = container(deployments.api).volumeMounts.find((m: any) => m.mountPath === configMap.DOCUMENTS_DIR);
    expect(deployments.api.spec.template.spec.volumes.find((v: any) => v.name === documents?.name)?.persistentVolumeClaim?.claimName).toBe(
      find('PersistentVolumeClaim', 'corebank-documents').metadata.name,
    );
  });

  it('selects the pods it means: Service, budgets, network policies; everything in one namespace', () => {
    const podLabels = (r: Resource) => r.spec.template.metadata.labels;
    for (const r of [deployments.api, deployments.worker]) expect(matches(r.spec.selector.matchLabels, podLabels(r))).toBe(true);
    const service = find('Service', 'corebank-api');
    expect(matches(service.spec.selector, podLabels(deployments.api))).toBe(true);
    expect(matches(service.spec.selector, podLabels(deployments.worker))).toBe(false);
    expect(service.spec.ports[0].targetPort).toBe('http');
    for (const [budget, deployment] of [
      ['corebank-api', deployments.api],
      ['corebank-worker', deployments.worker],
    ] as const) {
      const pdb = find('PodDisruptionBudget', budget);
      expect(matches(pdb.spec.selector.matchLabels, podLabels(deployment))).toBe(true);
      // With one replica fewer still serving.
      expect(pdb.spec.maxUnavailable).toBeLessThan(deployment.spec.replicas);
    }
    const deny = find('NetworkPolicy', 'corebank-default-deny');
    for (const r of [deployments.api, deployments.worker, job]) expect(matches(deny.spec.podSelector.matchLabels, podLabels(r))).toBe(true);
    const apiIngress = find('NetworkPolicy', 'corebank-api-ingress');
    expect(apiIngress.spec.ingress[0].ports[0].port).toBe(Number(envOf(deployments.api).API_PORT));
    const workerIngress = find('NetworkPolicy', 'corebank-worker-metrics');
    expect(workerIngress.spec.ingress[0].ports[0].port).toBe(Number(envOf(deployments.worker).WORKER_METRICS_PORT));
    const egressPorts = find('NetworkPolicy', 'corebank-egress').spec.egress.flatMap((rule: any) => rule.ports.map((p: any) => p.port));
    expect(egressPorts).toContain(Number(configMap.TEMPORAL_ADDRESS?.split(':').pop()));
    for (const r of resources.filter((r) => r.kind !== 'Namespace'))
      expect(r.metadata.namespace, `${r.kind} ${r.metadata.name}`).toBe('corebank');
    expect(find('Namespace', 'corebank').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('deploy/kubernetes production settings', () => {
  let certs: TemporalTlsFiles;
  beforeAll(async () => {
    certs = await makeTemporalTlsCerts(mkdtempSync(join(tmpdir(), 'corebank-k8s-tls-')));
  });

  it('hold no secret; the secrets come from the Secret corebank-secrets', () => {
    for (const key of ['DATABASE_URL', 'JWT_SECRET', 'OTP_SECRET', 'PAYLOAD_ENCRYPTION_KEYS']) expect(configMap[key], key).toBeUndefined();
    expect(resources.some((r) => r.kind === 'Secret')).toBe(false);
    for (const r of [deployments.api, deployments.worker]) {
      expect(container(r).envFrom).toEqual([{ configMapRef: { name: 'corebank-config' } }, { secretRef: { name: 'corebank-secrets' } }]);
    }
    expect(container(job).env[0].valueFrom.secretKeyRef).toEqual({ name: 'corebank-secrets', key: 'DATABASE_URL' });
  });

  it('start the production profile over mutual TLS, with the certificates of the mounted Secret', () => {
    // Where the ConfigMap says the PEM files are is where the Secret is mounted.
    const mount = container(deployments.api).volumeMounts.find((m: any) => m.name === 'temporal-tls');
    for (const key of ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY']) {
      expect(configMap[key]?.startsWith(`${mount.mountPath}/`), key).toBe(true);
    }
    for (const r of [deployments.api, deployments.worker]) {
      const volume = r.spec.template.spec.volumes.find((v: any) => v.name === 'temporal-tls');
      expect(volume.secret.secretName).toBe('corebank-temporal-tls');
      expect(container(r).volumeMounts.find((m: any) => m.name === 'temporal-tls')).toMatchObject({
        mountPath: mount.mountPath,
        readOnly: true,
      });
    }
    // The ConfigMap plus made-up secrets is a configuration the processes accept (files swapped
    // for this run's certificates), with TLS on: the production profile refuses plain text.
    const config = loadConfig({
      ...configMap,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
      DATABASE_URL: 'postgres://corebank@ledger-db/corebank',
      JWT_SECRET: 'j'.repeat(40),
      OTP_SECRET: 'o'.repeat(40),
      PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    });
    expect(config.profile).toBe('production');
    expect(config.temporalTls?.clientCertPair).toBeDefined();
    expect(config.temporalTls?.serverNameOverride).toBe(configMap.TEMPORAL_TLS_SERVER_NAME);
    expect(config.sandboxProvider && config.localNotifier).toBe(true);
  });
});
