/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where its CPU went in a time window: by
 * bucket (a package, a Node internal, one of our files, a module of the workflow bundle, GC) and
 * by function, self and inclusive. Used by bench/profileWorker.ts.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The `.cpuprofile` JSON. Times are microseconds of the monotonic clock (process.hrtime's). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled CPU in the window, idle excluded, in ms. */
  cpuMs: number;
  buckets: [string, number][];
  self: [string, number][];
  inclusive: [string, number][];
}

/** Which module of a webpack bundle (the workflow bundle) each line belongs to. */
export function bundleModuleLines(bundleCode: string): { line: number; module: string }[] {
  const starts: { line: number; module: string }[] = [];
  const lines = bundleCode.split('\n');
  for (const [i, text] of lines.entries()) {
    const match = /^\/\*\*\*\/ "(.+)"/.exec(text);
    if (match) starts.push({ line: i, module: match[1] as string });
  }
  return starts;
}

function moduleAt(starts: { line: number; module: string }[], line: number): string {
  let low = 0;
  let high = starts.length - 1;
  let found = 'bundle entry';
  while (low <= high) {
    const mid = (low + high) >> 1;
    const start = starts[mid] as { line: number; module: string };
    if (start.line <= line) {
      found = start.module;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

const SPECIAL = new Set(['(program)', '(garbage collector)', '(root)']);

function bucketOf(frame: CallFrame, repoRoot: string, bundle?: { url: string; starts: { line: number; module: string }[] }): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName;
  const { url } = frame;
  if (bundle && url.endsWith(bundle.url)) {
    const module = moduleAt(bundle.starts, frame.lineNumber).replace(/^\.\//, '');
    const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
    return `workflow bundle: ${inPackage ? inPackage[1] : module}`;
  }
  if (!url) return `native: ${frame.functionName || '(anonymous)'}`;
  if (url.startsWith('node:')) return 'node internals';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1] as string;
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(repoRoot) ? `ours: ${path.slice(repoRoot.length + 1)}` : path;
}

const label = (frame: CallFrame) =>
  `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;

function top(map: Map<string, number>, n: number): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
}

/**
 * The window is [fromUs, toUs] on the monotonic clock (`process.hrtime.bigint() / 1000n` in any
 * process of the machine); samples outside it are left out.
 */
export function summarizeProfile(
  profile: CpuProfile,
  options: {
    repoRoot: string;
    fromUs?: number;
    toUs?: number;
    bundle?: { url: string; code: string };
    topN?: number;
  },
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const bundle = options.bundle ? { url: options.bundle.url, starts: bundleModuleLines(options.bundle.code) } : undefined;
  const buckets = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let cpuUs = 0;
  let at = profile.startTime;
  for (const [i, sampleId] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if ((options.fromUs !== undefined && at < options.fromUs) || (options.toUs !== undefined && at > options.toUs)) continue;
    const node = byId.get(sampleId);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    cpuUs += delta;
    add(buckets, bucketOf(node.callFrame, options.repoRoot, bundle), delta);
    add(self, label(node.callFrame), delta);
    const seen = new Set<string>();
    for (let id: number | undefined = sampleId; id !== undefined; id = parent.get(id)) {
      const frame = (byId.get(id) as ProfileNode).callFrame;
      const key = label(frame);
      if (!seen.has(key)) add(inclusive, key, delta);
      seen.add(key);
    }
  }
  const n = options.topN ?? 25;
  const ms = (entries: [string, number][]): [string, number][] => entries.map(([key, us]) => [key, us / 1000]);
  return { cpuMs: cpuUs / 1000, buckets: ms(top(buckets, n)), self: ms(top(self, n)), inclusive: ms(top(inclusive, n)) };
}
