import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How many output lines of a process are kept, to show why it died. */
const TAIL_LINES = 60;

export interface ProcessSpec {
  name: string;
  /** Absolute path of a .ts entry point, run with tsx. */
  file: string;
  env: NodeJS.ProcessEnv;
  /** A line containing this text means the process is ready. */
  readyText: string;
}

/** One run of a supervised process. */
interface Run {
  pid: number | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  alive(): boolean;
}

/** What the supervisor saw when a process ended without being asked to. */
export interface UnexpectedExit {
  name: string;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: Date;
  tail: string[];
}

/**
 * A worker or API process that the fault injector kills on purpose and that is brought back when
 * it dies by itself: then its last output lines (stderr marked) are printed, and it is restarted,
 * as a process manager would in production. Every such exit is kept for the summary.
 */
export function supervise(spec: ProcessSpec, log: (line: string) => void) {
  const tail: string[] = [];
  const unexpected: UnexpectedExit[] = [];
  let current: Run | undefined;
  /** Set while the injector or stop() ends the process on purpose. */
  let intended = false;
  let stopped = false;
  let restarting: Promise<void> | undefined;

  const remember = (line: string) => {
    tail.push(line.length > 2_000 ? `${line.slice(0, 2_000)} ...` : line);
    if (tail.length > TAIL_LINES) tail.shift();
  };

  function launch(): Promise<Run> {
    const child = spawn(process.execPath, ['--import', 'tsx', spec.file], { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const onLine = (stream: 'out' | 'err') => (line: string) => {
      remember(`${stream === 'err' ? '[stderr] ' : ''}${line}`);
      if (line.includes(spec.readyText)) markReady();
      // Errors only: retried activity failures (expected here) are warnings.
      if (/"level":(50|60)|\[ERROR\]/.test(line)) log(`[${spec.name} ${child.pid}] ${line.slice(0, 1_000)}`);
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine('out'));
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine('err'));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: -1, signal: null }));
    });
    const run: Run = {
      pid: child.pid,
      exited,
      kill: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
      alive: () => child.exitCode === null && child.signalCode === null,
    };
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${spec.name} not ready after 120 s`)), 120_000).unref(),
    );
    const early = exited.then(({ code, signal }) => {
      throw new Error(`${spec.name} exited at start (code ${code}, signal ${signal}); last output:\n${tail.join('\n')}`);
    });
    return Promise.race([ready, early, timeout]).then(
      () => {
        void exited.then((how) => onExit(run, how));
        return run;
      },
      (error) => {
        run.kill('SIGKILL');
        throw error;
      },
    );
  }

  /** A process that ended while nobody asked it to: show why, and start it again. */
  function onExit(run: Run, how: { code: number | null; signal: NodeJS.Signals | null }) {
    if (intended || stopped || run !== current) return;
    const exit: UnexpectedExit = { name: spec.name, pid: run.pid, ...how, at: new Date(), tail: [...tail] };
    unexpected.push(exit);
    log(
      `${spec.name} (pid ${run.pid}) exited by itself: code ${how.code}, signal ${how.signal}; its last ${exit.tail.length} output lines:\n` +
        exit.tail.map((l) => `    | ${l}`).join('\n'),
    );
    restarting = (async () => {
      for (let attempt = 1; !stopped; attempt++) {
        try {
          current = await launch();
          log(`${spec.name} restarted (pid ${current.pid})`);
          return;
        } catch (error) {
          log(`${spec.name} restart ${attempt} failed: ${(error as Error).message.split('\n')[0]}`);
          await new Promise((r) => setTimeout(r, 2_000));
        }
      }
    })().finally(() => {
      restarting = undefined;
    });
  }

  /** Waits for a restart in progress (the injector acts on a running process, not on a gap). */
  const settled = async () => {
    while (restarting) await restarting;
  };

  return {
    name: spec.name,
    unexpected,
    async start() {
      current = await launch();
    },
    /** SIGKILL and stay down until start(): the whole stack crashes at once, and comes back in order. */
    async killAndHold() {
      await settled();
      const run = current;
      if (!run) return;
      intended = true;
      try {
        run.kill('SIGKILL');
        await run.exited;
      } finally {
        intended = false;
      }
    },
    /** SIGKILL and start again, as the fault injector does. */
    async kill() {
      await this.killAndHold();
      current = await launch();
    },
    pid: () => current?.pid,
    async stop(graceMs = 10_000) {
      stopped = true;
      await settled().catch(() => {});
      const run = current;
      if (!run?.alive()) return;
      run.kill('SIGTERM');
      const timer = setTimeout(() => run.kill('SIGKILL'), graceMs);
      await run.exited;
      clearTimeout(timer);
    },
  };
}

export type Supervised = ReturnType<typeof supervise>;
