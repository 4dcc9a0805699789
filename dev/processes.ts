import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Each output line; default: printed with the name as prefix. */
  onLine?: (line: string) => void;
  /**
   * A process group of its own: the terminal's Ctrl-C (sent to its whole foreground group) then
   * reaches only the parent, which stops its children in order, instead of every child at once.
   */
  ownProcessGroup?: boolean;
}

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts a long-running child process whose output lines are prefixed with its name. */
export function startChild(options: ChildOptions): Child {
  const child = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  const onLine = options.onLine ?? ((line: string) => console.log(`[${options.name}] ${line}`));
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  return {
    name: options.name,
    process: child,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Thrown by a waitFor check to stop waiting at once (the process being waited for died). */
export class GiveUp extends Error {}

/**
 * Resolves when check() returns true; polls every intervalMs until timeoutMs. A check that throws
 * counts as not yet, except with GiveUp.
 */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await check().catch((error) => {
      if (error instanceof GiveUp) throw error;
      return false;
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export { once };

/**
 * For tools that stop the API and the worker themselves (npm start, start:cluster, the bench, the
 * fault suite): no drain and no grace after SIGTERM unless API_SHUTDOWN_DRAIN_MS /
 * WORKER_SHUTDOWN_GRACE_MS say otherwise. The drain exists for a load balancer that needs time to
 * take a replica out, the grace for an orchestrator's rolling deploy; nothing here has either, the
 * steps are idempotent, and Ctrl-C should be quick (a stop waits 10 s for a child, then kills it).
 */
export const NO_DRAIN_ENV = {
  API_SHUTDOWN_DRAIN_MS: process.env.API_SHUTDOWN_DRAIN_MS ?? '0',
  WORKER_SHUTDOWN_GRACE_MS: process.env.WORKER_SHUTDOWN_GRACE_MS ?? '0',
};
