import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/ports';

/**
 * Ctrl-C on `npm start` returns only when every process it started has exited. `npm start` runs
 * as a terminal would run it: in a process group of its own, with its own data directory and free
 * ports (COREBANK_DATA_DIR, API_PORT, PG_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT). Once it is up, the
 * whole tree under npm is read from /proc; SIGINT goes to the group, as Ctrl-C sends it; the moment
 * npm exits, no process of that tree (sh, the tsx CLI, dev/start.ts, Postgres and its backends,
 * Temporal, the worker, the API, their esbuild services) and none of the group may be alive.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: tells a process from a later one with the same pid. */
  startTime: string;
  state: string;
  name: string;
}

function readProc(pid: number): Proc | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name is in parentheses and may hold spaces; the fields after it are space-separated.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid,
    name: text.slice(text.indexOf('(') + 1, close),
    state: fields[0] ?? '',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: fields[19] ?? '',
  };
}

const allProcs = () =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProc(Number(entry)))
    .filter((proc): proc is Proc => proc !== undefined);

/** Every descendant of `root`. */
function descendants(root: number): Proc[] {
  const procs = allProcs();
  const found: Proc[] = [];
  let parents = new Set([root]);
  while (parents.size > 0) {
    const children = procs.filter((proc) => parents.has(proc.ppid) && !found.includes(proc));
    found.push(...children);
    parents = new Set(children.map((proc) => proc.pid));
  }
  return found;
}

/** Still running: the same pid with the same start time, and not a zombie (exited, not yet reaped). */
function stillAlive(proc: Proc): boolean {
  const now = readProc(proc.pid);
  return now !== undefined && now.startTime === proc.startTime && now.state !== 'Z';
}

const describeOnLinux = existsSync('/proc/self/stat') ? describe : describe.skip;

describeOnLinux('npm start and Ctrl-C', () => {
  let npm: ChildProcess | undefined;
  let tree: Proc[] = [];
  let dataDir = '';

  afterAll(async () => {
    // Whatever the test found alive is ended here, by pid: nothing of this test outlives it.
    for (const proc of tree.filter(stillAlive)) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {}
    }
    if (npm?.exitCode === null) npm.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('returns only once Postgres, Temporal, the worker and the API have all exited', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'corebank-ctrl-c-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      COREBANK_DATA_DIR: dataDir,
      API_PORT: String(await freePort()),
      PG_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      LOG_FORMAT: 'json',
    };
    // The stack starts its own Postgres and Temporal only when these do not point elsewhere.
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    // detached: a process group of its own, like a terminal's foreground job.
    const started = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    npm = started;
    let output = '';
    for (const stream of [started.stdout, started.stderr]) stream.on('data', (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));

    const deadline = Date.now() + 240_000;
    while (!output.includes(' is up in ')) {
      if (started.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    tree = descendants(started.pid as number);
    const names = tree.map((proc) => proc.name);
    // The snapshot holds what Ctrl-C must stop: Postgres, Temporal, and node for start, worker and API.
    expect(names, names.join(' ')).toContain('postgres');
    expect(names, names.join(' ')).toContain('temporal');
    expect(names.filter((name) => name === 'node').length, names.join(' ')).toBeGreaterThanOrEqual(4);

    const sentAt = Date.now();
    process.kill(-(started.pid as number), 'SIGINT');
    await Promise.race([
      exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`npm start still running 60 s after Ctrl-C:\n${output}`)), 60_000)),
    ]);
    const survivors = tree.filter(stillAlive);
    const groupLeft = allProcs().filter((proc) => proc.pgid === started.pid && proc.state !== 'Z');
    console.log(`npm start returned ${Date.now() - sentAt} ms after Ctrl-C; ${tree.length} processes had been started`);
    expect(
      [...survivors, ...groupLeft].map((proc) => `${proc.pid} ${proc.name}`),
      `alive when npm start returned:\n${output.slice(-3000)}`,
    ).toEqual([]);
    expect(output).toContain('[corebank] stopped');
  }, 330_000);
});
