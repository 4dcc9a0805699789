import { type CpuMs, cpuBetween, cpuSum } from './cpu';

/** One measured run: how many operations, how long, and each operation's latency. */
export interface Measurement {
  operations: number;
  /** Items moved per operation (postings in a batch); throughput counts items. */
  itemsPerOperation: number;
  elapsedMs: number;
  latenciesMs: number[];
  errors: number;
  /** The first error's message, so a failing scenario says why. */
  firstError?: string;
  /** CPU of each process group over the measured window (not the warm-up), when a reader was given. */
  cpuMs?: CpuMs;
}

export interface MeasureOptions {
  concurrency: number;
  durationMs: number;
  itemsPerOperation?: number;
  /** Stops early after this many operations (bounded work for slow scenarios). */
  maxOperations?: number;
  /** Reads every process group's CPU so far (bench/cpu.ts); read at the window's start and end. */
  readCpu?: () => Promise<CpuMs>;
}

/**
 * Runs `operation` from `concurrency` loops for `durationMs` after a short warm-up, timing each
 * call. An operation that throws is counted as an error and not timed.
 */
export async function measure(options: MeasureOptions, operation: (loop: number, i: number) => Promise<unknown>): Promise<Measurement> {
  const warmupEnd = Date.now() + Math.min(1_000, options.durationMs / 4);
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, loop) => {
      for (let i = 0; Date.now() < warmupEnd; i++) await operation(loop, -1 - i).catch(() => {});
    }),
  );
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const max = options.maxOperations ?? Number.POSITIVE_INFINITY;
  const cpuAtStart = await options.readCpu?.();
  const start = performance.now();
  const end = start + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, loop) => {
      while (performance.now() < end && started < max) {
        const i = started++;
        const t0 = performance.now();
        try {
          await operation(loop, i);
          latenciesMs.push(performance.now() - t0);
        } catch (error) {
          errors += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  const cpuAtEnd = cpuAtStart && (await options.readCpu?.());
  return {
    operations: latenciesMs.length,
    itemsPerOperation: options.itemsPerOperation ?? 1,
    elapsedMs,
    latenciesMs,
    errors,
    firstError,
    ...(cpuAtStart && cpuAtEnd ? { cpuMs: cpuBetween(cpuAtStart, cpuAtEnd) } : {}),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

export interface Summary {
  throughput: number;
  /** CPU per item done, per process group (ms), when measured. */
  cpuMsPerItem?: CpuMs;
  p50: number;
  p95: number;
  p99: number;
  operations: number;
  errors: number;
  firstError?: string;
}

export function summarize(m: Measurement): Summary {
  const sorted = [...m.latenciesMs].sort((a, b) => a - b);
  return {
    throughput: (m.operations * m.itemsPerOperation) / (m.elapsedMs / 1000),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    operations: m.operations,
    errors: m.errors,
    ...(m.firstError ? { firstError: m.firstError } : {}),
    ...(m.cpuMs && m.operations > 0 ? { cpuMsPerItem: perItem(m.cpuMs, m.operations * m.itemsPerOperation) } : {}),
  };
}

const perItem = (cpu: CpuMs, items: number): CpuMs => Object.fromEntries(Object.entries(cpu).map(([g, ms]) => [g, ms / items])) as CpuMs;

/**
 * Measures a baseline and a candidate in alternating slices (a, b, a, b, ...), so the drift of a
 * shared machine (other load, autovacuum, a growing table) hits both alike.
 */
export async function measurePair(
  options: MeasureOptions,
  baseline: (loop: number, i: number) => Promise<unknown>,
  candidate: (loop: number, i: number) => Promise<unknown>,
  slices = 4,
): Promise<[Measurement, Measurement]> {
  const slice = { ...options, durationMs: options.durationMs / slices };
  const runs: [Measurement[], Measurement[]] = [[], []];
  for (let i = 0; i < slices; i++) {
    runs[0].push(await measure(slice, baseline));
    runs[1].push(await measure(slice, candidate));
  }
  return [merge(runs[0]), merge(runs[1])];
}

function merge(parts: Measurement[]): Measurement {
  return {
    operations: parts.reduce((s, m) => s + m.operations, 0),
    itemsPerOperation: parts[0]?.itemsPerOperation ?? 1,
    elapsedMs: parts.reduce((s, m) => s + m.elapsedMs, 0),
    latenciesMs: parts.flatMap((m) => m.latenciesMs),
    errors: parts.reduce((s, m) => s + m.errors, 0),
    firstError: parts.find((m) => m.firstError)?.firstError,
    ...(parts.every((m) => m.cpuMs) ? { cpuMs: cpuSum(parts.map((m) => m.cpuMs as CpuMs)) } : {}),
  };
}
