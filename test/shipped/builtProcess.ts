import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort } from '../../dev/ports';
import { type Child, GiveUp, startChild, waitFor } from '../../dev/processes';
import { composeCommand, dockerRuntimeStage } from './shippedImage';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
  }
}

/** Production secrets made up for one run: the image refuses the published local ones. */
export const RUN_SECRETS = {
  JWT_SECRET: randomBytes(32).toString('hex'),
  OTP_SECRET: randomBytes(32).toString('hex'),
  // Required in production: every workflow and activity payload is encrypted.
  PAYLOAD_ENCRYPTION_KEYS: `run-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`,
};

/** The Web UI origin the codec endpoint answers browsers from in these runs. */
export const UI_ORIGIN = 'http://127.0.0.1:8233';

export interface BuiltProcess {
  child: Child;
  /** Every output line so far (JSON log lines of the process). */
  lines: string[];
  /** The worker's or API's HTTP base URL. */
  url: string;
}

/**
 * Starts one compose service's command (`node dist/api.js`, `node dist/worker.js`) from the
 * checkout, as the image runs it: the Dockerfile's runtime ENV (production profile, the prebuilt
 * workflow bundle; /app mapped onto the checkout), production secrets, the run's Postgres and
 * Temporal, its own task queue. Resolves once it answers /health/ready (the worker serves it on
 * WORKER_METRICS_PORT). Its lines are printed with
 * the command as prefix, so the CI log shows the built processes serving.
 */
export async function startBuilt(
  service: 'api' | 'worker',
  options: { taskQueue: string; env?: Record<string, string>; quiet?: (line: string) => boolean },
): Promise<BuiltProcess> {
  const command = composeCommand(service);
  const [program, ...args] = command.split(' ');
  if (program !== 'node' || args.length === 0) throw new Error(`unexpected command for ${service}: ${command}`);
  const stage = dockerRuntimeStage();
  const imageEnv = Object.fromEntries(
    Object.entries(stage.env).map(([key, value]) => [key, value.replace(`${stage.workdir ?? '/app'}/`, ROOT)]),
  );
  const port = await freePort();
  const lines: string[] = [];
  const child = startChild({
    name: command,
    command: process.execPath,
    args,
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...imageEnv,
      ...RUN_SECRETS,
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      ALLOW_SANDBOX_PROVIDER: 'true',
      ALLOW_LOCAL_NOTIFIER: 'true',
      SANDBOX_DECISION_MS: '200',
      LOG_FORMAT: 'json',
      CODEC_CORS_ORIGINS: UI_ORIGIN,
      ...(service === 'api' ? { API_PORT: String(port) } : { WORKER_METRICS_PORT: String(port) }),
      ...options.env,
    },
    onLine: (line) => {
      lines.push(line);
      if (!options.quiet?.(line)) console.log(`[${command}] ${line}`);
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `${command} to be ready`,
      async () => {
        if (child.process.exitCode !== null) throw new GiveUp(`${command} exited with code ${child.process.exitCode}`);
        return (await fetch(`${url}/health/ready`)).ok;
      },
      120_000,
      250,
    );
  } catch (error) {
    child.kill();
    throw error;
  }
  return { child, lines, url };
}

/** A task queue of its own, so nothing else polls it. */
export const freshTaskQueue = () => `shipped-${randomUUID().slice(0, 8)}`;
