import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * What the image and the compose file run, read from the files themselves, so the built-process
 * suite starts exactly those commands and a unit test can hold them equal.
 */
const ROOT = new URL('../../', import.meta.url);

export interface DockerRuntimeStage {
  /** The base image of the last stage, e.g. node:22-bookworm-slim. */
  from: string;
  /** ENV of the last stage. */
  env: Record<string, string>;
  /** CMD of the last stage, exec form. */
  cmd: string[];
  user: string | undefined;
  workdir: string | undefined;
}

/** The runtime (last) stage of the Dockerfile: FROM, ENV (key=value form), USER, WORKDIR, CMD (JSON form). */
export function dockerRuntimeStage(text = readFileSync(new URL('Dockerfile', ROOT), 'utf8')): DockerRuntimeStage {
  // Continuation lines joined first: HEALTHCHECK and RUN span several.
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let stage: DockerRuntimeStage | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stage = { from: rest[0] ?? '', env: {}, cmd: [], user: undefined, workdir: undefined };
        break;
      case 'ENV':
        for (const [, key, value] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
          if (stage && key && value) stage.env[key] = value.replace(/^"|"$/g, '');
        }
        break;
      case 'CMD':
        if (stage) stage.cmd = JSON.parse(args) as string[];
        break;
      case 'USER':
        if (stage) stage.user = args;
        break;
      case 'WORKDIR':
        if (stage) stage.workdir = args;
        break;
    }
  }
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stage;
}

/** docker-compose.yml, with its anchors merged. */
export function composeFile(): { services: Record<string, any>; networks?: Record<string, any>; [key: string]: any } {
  return parse(readFileSync(new URL('docker-compose.yml', ROOT), 'utf8'), { merge: true });
}

/** The command compose gives a service, as one line. */
export function composeCommand(service: string): string {
  const command = composeFile().services[service]?.command;
  if (!Array.isArray(command)) throw new Error(`compose service ${service} has no exec-form command`);
  return command.join(' ');
}
