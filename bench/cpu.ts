import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time per process group, read from /proc. Throughput on a shared two-core machine moves with
 * whatever else runs; the CPU an operation costs each process moves much less, so the bench sets
 * its targets on CPU per item as well (issue #24).
 */
export const CPU_GROUPS = ['api', 'worker', 'floorWorker', 'temporal', 'postgres', 'client'] as const;
export type CpuGroup = (typeof CPU_GROUPS)[number];
/** Milliseconds of user + system CPU per group. */
export type CpuMs = Record<CpuGroup, number>;

/** The root process of each group (its descendants count with it); `client` is the bench itself. */
export type CpuRoots = Record<Exclude<CpuGroup, 'client'>, number[]>;

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ms: a reaped child's time moves into its parent's cutime, so the sum over a tree stays whole. */
  cpuMs: number;
}

async function readProcStats(): Promise<Map<number, ProcStat>> {
  const stats = new Map<number, ProcStat>();
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (pid) => {
      const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
      if (!text) return; // exited meanwhile
      // The command name is in parentheses and may hold spaces: fields are counted after its last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
      stats.set(Number(pid), { ppid: Number(fields[1]), cpuMs: (ticks * 1000) / TICKS_PER_SECOND });
    }),
  );
  return stats;
}

function treeCpuMs(stats: Map<number, ProcStat>, roots: number[]): number {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  let total = 0;
  const queue = [...roots];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    total += stats.get(pid)?.cpuMs ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** One reading of every group's CPU so far; the difference of two readings is a window's CPU. */
export async function readCpu(roots: CpuRoots): Promise<CpuMs> {
  const stats = await readProcStats();
  const { user, system } = process.cpuUsage();
  return {
    api: treeCpuMs(stats, roots.api),
    worker: treeCpuMs(stats, roots.worker),
    floorWorker: treeCpuMs(stats, roots.floorWorker),
    temporal: treeCpuMs(stats, roots.temporal),
    postgres: treeCpuMs(stats, roots.postgres),
    client: (user + system) / 1000,
  };
}

export const cpuBetween = (start: CpuMs, end: CpuMs): CpuMs =>
  Object.fromEntries(CPU_GROUPS.map((g) => [g, Math.max(0, end[g] - start[g])])) as CpuMs;

export const cpuSum = (parts: CpuMs[]): CpuMs =>
  Object.fromEntries(CPU_GROUPS.map((g) => [g, parts.reduce((sum, p) => sum + p[g], 0)])) as CpuMs;

/**
 * CPU so far of each thread of some processes, by thread: `main` (the thread whose id is the
 * process's), else the thread's name (Node's worker threads are `node`, the SDK core's Rust
 * threads `tokio-runtime-w`, V8's `V8 DefaultWorke`), summed over the processes.
 */
export async function readThreadCpu(pids: number[]): Promise<Map<string, number>> {
  const byName = new Map<string, number>();
  for (const pid of pids) {
    const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const tid of tids) {
      const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
      if (!text) continue;
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
      const name = Number(tid) === pid ? 'main' : text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      byName.set(name, (byName.get(name) ?? 0) + ms);
    }
  }
  return byName;
}
