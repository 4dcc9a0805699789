import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cpuBetween, readCpu } from '../../bench/cpu';

// A process that starts a child burning `ms` of CPU (not of wall time: the machine may be busy)
// and then both sleep: the CPU shows up under the root's group although the root spends little.
const BURN = (ms: number) => `
const { spawn } = require('node:child_process');
spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < ${ms * 1000}); setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
setTimeout(() => {}, 60000);`;

describe('the bench CPU reader', () => {
  it('counts the CPU of a whole process tree into its group and none into the others', async () => {
    const root = spawn(process.execPath, ['-e', BURN(500)], { stdio: 'ignore' });
    try {
      const roots = { api: [root.pid as number], worker: [], floorWorker: [], temporal: [], postgres: [] };
      const before = await readCpu(roots);
      let window = cpuBetween(before, before);
      for (let waited = 0; window.api < 500 && waited < 20_000; waited += 100) {
        await sleep(100);
        window = cpuBetween(before, await readCpu(roots));
      }
      // The burn, plus the two Node start-ups (tens of ms each), at the clock's 10 ms resolution.
      expect(window.api).toBeGreaterThanOrEqual(500);
      expect(window.api).toBeLessThan(900);
      expect(window.worker + window.floorWorker + window.temporal + window.postgres).toBe(0);
    } finally {
      // The grandchild dies with its parent's process group only if we ask: kill the tree.
      spawn('pkill', ['-P', String(root.pid)]);
      root.kill();
    }
  });
});
