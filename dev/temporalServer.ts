import { Connection } from '@temporalio/client';
import { type Child, GiveUp, startChild, waitFor } from './processes';
import { devServerDynamicConfigFlags } from './temporalDynamicConfig';

export interface TemporalDevServerOptions {
  cliPath: string;
  port: number;
  /** Unset: no Web UI. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts. */
  dbFile: string;
  namespace?: string;
  onLine?: (line: string) => void;
  /** See ChildOptions.ownProcessGroup. */
  ownProcessGroup?: boolean;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string | null;
  child: Child;
  stop(): Promise<void>;
}

/** `temporal server start-dev` on the given ports; resolves once its frontend answers. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--db-filename',
    options.dbFile,
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    // WAL with synchronous=NORMAL survives a killed process (the fault tests kill it); only an OS
    // crash could lose the last commits. The default (a sync per write) made every workflow step
    // wait on the disk.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    // Raised task dispatch limits, among others: see the file for why.
    ...devServerDynamicConfigFlags(),
  ];
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  const child = startChild({
    name: 'temporal',
    command: options.cliPath,
    args,
    onLine: options.onLine ?? (() => {}),
    ownProcessGroup: options.ownProcessGroup,
  });
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });

  await waitFor(
    `the Temporal dev server on ${address}`,
    async () => {
      if (exited) throw new GiveUp('the Temporal dev server exited at start');
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: options.namespace ?? 'default' });
        return true;
      } finally {
        await connection.close();
      }
    },
    120_000,
    300,
  );
  return {
    address,
    uiUrl: options.uiPort === undefined ? null : `http://127.0.0.1:${options.uiPort}`,
    child,
    stop: () => child.stop(15_000),
  };
}

/** The dev server's own level on a line: `level=WARN` (text) or `"level":"warn"` (JSON). */
const LEVEL = /\blevel=(\w+)|"level":"(\w+)"/i;
/**
 * Warnings that only say a connection came or went: the server's internal workers dialling its own
 * frontend while it starts or stops, and polls cut by a graceful stop.
 */
const DIAL_NOISE = [
  /network dial error/i,
  /Error while dialing/i,
  /connect: connection refused/i,
  /graceful_stop/i,
  /error reading from server: EOF/i,
  /context canceled/i,
];

/**
 * Whether `npm start` shows a line of the Temporal dev server: its warnings and errors, and any
 * line that reports a failure on its own (`Error: ...`, a panic); not its banner, its info lines or
 * the dial noise of its internal clients at start and stop.
 */
export function isTemporalLineWorthShowing(line: string): boolean {
  const match = LEVEL.exec(line);
  const level = (match?.[1] ?? match?.[2])?.toLowerCase();
  const serious = level
    ? ['warn', 'warning', 'error', 'dpanic', 'panic', 'fatal'].includes(level)
    : /^\s*(error|panic|fatal)\b/i.test(line);
  return serious && !DIAL_NOISE.some((noise) => noise.test(line));
}
