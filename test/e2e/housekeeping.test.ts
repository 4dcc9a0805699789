import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HOUSEKEEPING_SCHEDULE_ID } from '../../worker/schedules';
import { useTestApi } from '../support/suite';

const api = useTestApi();

describe('housekeeping on a Temporal schedule', () => {
  it('is scheduled by the worker, and a run deletes keys past 24 hours but keeps newer ones and running ones', async () => {
    const handle = api().temporal.schedule.getHandle(HOUSEKEEPING_SCHEDULE_ID);
    const described = await handle.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'housekeepingWorkflow' });

    const caller = `test:${randomUUID()}`;
    await api().sql`
      INSERT INTO idempotency_keys (caller, key, request_hash, locked_until, response_status, response_body, created_at) VALUES
        (${caller}, 'old-done', 'h', NULL, 201, '{}', now() - interval '25 hours'),
        (${caller}, 'old-running', 'h', now() + interval '1 minute', NULL, NULL, now() - interval '25 hours'),
        (${caller}, 'new-done', 'h', NULL, 201, '{}', now() - interval '23 hours')`;
    await api().sql`INSERT INTO rate_limit_windows (scope, window_start, count) VALUES (${caller}, now() - interval '2 hours', 5)`;

    const before = described.info.recentActions.length;
    await handle.trigger();
    await expect.poll(async () => (await handle.describe()).info.recentActions.length, { timeout: 15_000 }).toBeGreaterThan(before);
    const run = (await handle.describe()).info.recentActions.at(-1)?.action;
    await api()
      .temporal.workflow.getHandle(run?.workflow.workflowId ?? '')
      .result();

    const left = await api().sql<{ key: string }[]>`SELECT key FROM idempotency_keys WHERE caller = ${caller} ORDER BY key`;
    expect(left.map((r) => r.key)).toEqual(['new-done', 'old-running']);
    expect(await api().sql`SELECT 1 FROM rate_limit_windows WHERE scope = ${caller}`).toHaveLength(0);
  });
});
