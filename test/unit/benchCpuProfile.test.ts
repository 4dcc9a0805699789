import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readThreadCpu } from '../../bench/cpu';
import { type CpuProfile, summarizeProfile } from '../../bench/cpuProfile';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

/**
 * root -> run (ours) -> a function of the bundle's second module, and idle; samples 1 ms apart
 * from t = 1000 us: idle, run, bundle, bundle, run.
 */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', '', -1), children: [2, 5] },
    { id: 2, callFrame: frame('run', 'file:///repo/worker/main.ts', 10), children: [3] },
    { id: 3, callFrame: frame('step', '/tmp/x/workflows.js', 5) },
    { id: 5, callFrame: frame('(idle)', '', -1) },
  ],
  startTime: 1_000,
  samples: [5, 2, 3, 3, 2],
  timeDeltas: [1_000, 1_000, 1_000, 1_000, 1_000],
};
const BUNDLE = ['/***/ "./node_modules/@temporalio/workflow/lib/a.js"', 'x', '/***/ "./workflows/payment.ts"', 'y', 'z', 'step();'].join(
  '\n',
);

describe('the bench CPU profile reader', () => {
  it('splits a window of samples by bucket, self and inclusive, idle left out', () => {
    const all = summarizeProfile(PROFILE, { repoRoot: '/repo', bundle: { url: 'x/workflows.js', code: BUNDLE } });
    expect(all.cpuMs).toBe(4);
    expect(Object.fromEntries(all.buckets)).toEqual({ 'ours: worker/main.ts': 2, 'workflow bundle: workflows/payment.ts': 2 });
    expect(Object.fromEntries(all.inclusive)['(root) :0']).toBe(4);
    expect(Object.fromEntries(all.inclusive)['run worker/main.ts:11']).toBe(4);
    expect(Object.fromEntries(all.self)['run worker/main.ts:11']).toBe(2);

    // Samples at 3000 and 4000 us only: the two in the bundle.
    const window = summarizeProfile(PROFILE, {
      repoRoot: '/repo',
      fromUs: 3_500,
      toUs: 5_500,
      bundle: { url: 'x/workflows.js', code: BUNDLE },
    });
    expect(window.cpuMs).toBe(2);
    expect(window.buckets).toEqual([['workflow bundle: workflows/payment.ts', 2]]);
  });

  it('counts a process main thread apart from its other threads', async () => {
    const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 300000); setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    });
    try {
      const pid = child.pid as number;
      let threads = await readThreadCpu([pid]);
      for (let waited = 0; (threads.get('main') ?? 0) < 300 && waited < 20_000; waited += 100) {
        await sleep(100);
        threads = await readThreadCpu([pid]);
      }
      expect(threads.get('main')).toBeGreaterThanOrEqual(300);
      // The burn is on the main thread alone: Node's other threads spent a small part of it.
      const others = [...threads].filter(([name]) => name !== 'main').reduce((sum, [, ms]) => sum + ms, 0);
      expect(others).toBeLessThan(300);
    } finally {
      child.kill();
    }
  });
});
