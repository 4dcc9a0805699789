import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLUSTER_SHAPE } from '../../dev/clusterShape';
import { composeCommand, dockerRuntimeStage } from '../shipped/shippedImage';

/**
 * The built-process suite (test/shipped/, run by .ci/run) starts the commands it reads from
 * docker-compose.yml; these hold the compose commands, the image's CMD and the cluster shape equal,
 * so what CI starts is what the image runs.
 */
describe('the commands we ship', () => {
  it('are the same in the Dockerfile, docker-compose.yml, dev/clusterShape.ts and the CI suite', () => {
    const stage = dockerRuntimeStage();
    expect(stage.cmd.join(' ')).toBe(CLUSTER_SHAPE.commands.api);
    for (const service of ['api', 'worker', 'migrate'] as const) {
      expect(composeCommand(service)).toBe(CLUSTER_SHAPE.commands[service]);
    }
    const suite = readFileSync(new URL('../shipped/builtProcess.ts', import.meta.url), 'utf8');
    expect(suite).toContain('composeCommand(service)');
  });

  it('run on a supported Node LTS (22 or 24) as a numeric non-root user, which runAsNonRoot can check', () => {
    const { from, user } = dockerRuntimeStage();
    expect(from).toMatch(/^node:(22|24)[.-]/);
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const builder = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8').match(/^FROM (\S+) AS build$/m)?.[1];
    expect(builder?.split('-')[0]).toBe(from.split('-')[0]);
  });

  it('run the prebuilt workflow bundle in the production profile', () => {
    const { env, workdir } = dockerRuntimeStage();
    expect(env.COREBANK_PROFILE).toBe('production');
    expect(env.NODE_ENV).toBe('production');
    expect(env.WORKFLOW_BUNDLE_PATH).toBe(`${workdir}/dist/workflow-bundle.js`);
  });
});
