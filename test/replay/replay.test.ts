import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { payloadKeysFrom } from '../../config/payloadKeys';
import { dataConverterFor } from '../../observability/payloadCodec';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../worker/createWorker';
import { loadHistories, type RecordedHistory, WORKFLOW_TYPES } from './histories';

/**
 * Replays every recorded history (test/histories/*.json, `npm run record-histories`) against the
 * workflow code of the working tree. A change that makes a workflow issue different commands for
 * the same history (an activity added, removed or reordered, a timer changed, ... without
 * `patched()`) would break the workflows running in production on the next deploy: here it
 * fails with the file and the DeterminismViolationError. See docs/changing-workflows.md.
 */
const fail = (message: string): never => {
  throw new Error(message);
};

describe('recorded workflow histories replay on the current workflow code', () => {
  const histories: RecordedHistory[] = loadHistories();

  beforeAll(() => {
    // Quiet: the replay worker logs each run at INFO and core logs each failed replay as a WARN,
    // which the failure below reports anyway. One Runtime per process; vitest runs each test file
    // in a process of its own.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  });

  it('has recorded histories of every workflow type', () => {
    for (const h of histories) expect(h.file.startsWith(`${h.workflowType}-`), `${h.file} is a ${h.workflowType}`).toBe(true);
    const types = new Set(histories.map((h) => h.workflowType));
    for (const type of WORKFLOW_TYPES) expect(types.has(type), `no history of ${type} in test/histories`).toBe(true);
  });

  it.each([
    ['as recorded', {}],
    // Histories written before payload encryption was switched on hold plain payloads: a worker
    // with the codec on must pass them through unchanged (observability/payloadCodec.ts).
    ['with the payload encryption codec on', dataConverterFor(payloadKeysFrom(`replay:${randomBytes(32).toString('base64')}`, fail))],
  ])(
    'replays every history without a determinism violation or any other error, %s',
    async (_, codec) => {
      // The bundle globalSetup made of the same working tree saves bundling the workflows again.
      const bundlePath = inject('workflowBundlePath');
      const code = bundlePath && existsSync(bundlePath) ? { workflowBundle: { codePath: bundlePath } } : WORKFLOW_BUNDLE_OPTIONS;
      const byWorkflowId = new Map(histories.map((h) => [h.workflowId, h.file]));
      expect(byWorkflowId.size, 'two history files of the same workflow run').toBe(histories.length);

      const failures: string[] = [];
      const replayed = new Set<string>();
      const results = Worker.runReplayHistories(
        { ...code, ...codec, replayName: 'recorded-histories' },
        histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
      );
      for await (const result of results) {
        const file = byWorkflowId.get(result.workflowId) ?? result.workflowId;
        replayed.add(file);
        if (result.error) failures.push(`${file}: ${result.error.name}: ${result.error.message}`);
      }
      expect(failures.length, `histories that no longer replay on this code:\n${failures.join('\n')}\n`).toBe(0);
      expect([...replayed].sort()).toEqual(histories.map((h) => h.file));
    },
    180_000,
  );
});
