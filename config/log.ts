import { createRequire } from 'node:module';
import pino from 'pino';

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  /** `auto` (default): pino-pretty when stdout is a terminal and pino-pretty is installed, else JSON lines. */
  format?: LogFormat;
  /** Fields added to every line, computed when it is written (the request id, the trace id). */
  mixin?: () => Record<string, unknown>;
}

/** pino-pretty is a development dependency: a production install has none and logs JSON. */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Structured logs, one logger per process, named after the component: JSON lines (what log
 * collectors read, and what `npm start` and the tests read from the worker and API processes,
 * whose output is a pipe), or pino-pretty's readable lines when the process writes to a terminal.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', options: LoggerOptions = {}) {
  const format = options.format ?? ((process.env.LOG_FORMAT as LogFormat | undefined) || 'auto');
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const base = { name, level, ...(options.mixin ? { mixin: options.mixin } : {}) };
  if (pretty && prettyAvailable()) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(base);
}

export type Logger = ReturnType<typeof createLogger>;
