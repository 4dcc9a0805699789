import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { openAccount } from '../support/bankFixtures';
import { testEnv } from '../support/env';
import { useTestApi } from '../support/suite';

const api = useTestApi();

/**
 * A consistency check over every account continues as new past its history limit (one run per
 * 500 accounts would otherwise reach Temporal's 50,000-event cap on a large ledger), and the chain
 * ends with one result for the one check id.
 */
describe('the consistency checks on a large ledger', () => {
  it('continue as new where they left off, and finish the same check', async () => {
    // A few accounts of its own, so there are batches even when it runs alone.
    for (let i = 0; i < 3; i += 1) await openAccount(api(), 'EUR');
    // About eight batches whatever the run has written so far (other suites open hundreds of accounts).
    const [{ count }] = await api().sql<[{ count: bigint }]>`SELECT count(*) AS count FROM accounts`;
    const batchSize = Math.max(2, Math.ceil(Number(count) / 8));
    const checkId = randomUUID();
    const workflowId = `account-balance-check-can-${checkId}`;
    const handle = await api().temporal.workflow.start('accountBalanceCheckWorkflow', {
      workflowId,
      taskQueue: testEnv().taskQueue,
      // About eight batches and a limit of 30 events: a new run every few batches.
      args: [{ checkId, batchSize, historyLimit: 30 }],
    });
    const result = await handle.result();
    expect(result).toMatchObject({ checkId, status: 'passed' });

    const runs: { events: number; continued: boolean }[] = [];
    let runId: string | undefined = handle.firstExecutionRunId;
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await api().temporal.workflow.getHandle(workflowId, runId).fetchHistory();
      const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
      const continuedAs: string | undefined = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      runs.push({ events: events.length, continued: continuedAs !== undefined });
      runId = continuedAs;
    }
    console.log(`accountBalanceCheckWorkflow with historyLimit 30: ${runs.length} runs of ${runs.map((r) => r.events).join(', ')} events`);
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.slice(0, -1).every((r) => r.continued)).toBe(true);
    expect(runs.at(-1)?.continued).toBe(false);
    const [row] = await api().sql<{ status: string }[]>`SELECT status FROM ledger_checks WHERE id = ${checkId}`;
    expect(row?.status).toBe('passed');
  });
});
