import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Schemas, unwrap } from '../client';
import { parsed, positiveInteger } from './args';
import { connect } from './connection';
import { print, printJson } from './output';

type CheckDetails = NonNullable<Schemas['DailyCheckDetails']>;

/** Exit code of a check that did not pass: failed, or still running when the wait ran out. */
export const CHECK_NOT_PASSED = 3;

export const DAILY_CHECK_USAGE = `corebank daily-check [--date YYYY-MM-DD] [--no-wait] [--timeout <seconds>] [--json]
  Runs the daily consistency check now (POST /internal/DailyCheck; the date defaults to yesterday, UTC),
  waits for it (--timeout, default 120 s) and prints each check with its offending rows (at most 5
  each; --json prints them all). Exit code ${CHECK_NOT_PASSED} when a check failed or it is still running.`;

const ROWS_SHOWN = 5;

export async function dailyCheckCommand(argv: string[]): Promise<number> {
  const { values } = parsed(() =>
    parseArgs({
      args: argv,
      options: {
        date: { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '120' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }),
  );
  const timeoutMs = positiveInteger(values.timeout, '--timeout') * 1000;
  const api = await connect();
  const started = await unwrap(api.POST('/internal/DailyCheck', { body: values.date ? { date: values.date } : {} }));
  if (values['no-wait']) {
    if (values.json) printJson(started);
    else print(`daily check ${started.checkId} started (workflow ${started.workflowId})`);
    return 0;
  }

  const deadline = Date.now() + timeoutMs;
  let run: CheckDetails;
  for (;;) {
    run = await unwrap(api.GET('/internal/DailyCheck/details', { params: { query: { checkId: started.checkId } } }));
    if (run.status !== 'running' || Date.now() > deadline) break;
    await sleep(500);
  }

  if (values.json) printJson(run);
  else printRun(run);
  return run.status === 'passed' ? 0 : CHECK_NOT_PASSED;
}

function printRun(run: CheckDetails) {
  const still = run.status === 'running' ? ' (still running; see GET /internal/DailyCheck/details later)' : '';
  print(`daily check ${run.checkId} for ${run.date}: ${run.status}${still}`);
  print(`  workflow ${run.workflowId}`);
  for (const check of run.checks) {
    if (check.status === 'passed') {
      print(`  passed  ${check.name}`);
      continue;
    }
    print(`  FAILED  ${check.name}: ${check.offending} offending`);
    for (const row of check.rows.slice(0, ROWS_SHOWN)) print(`          ${JSON.stringify(row)}`);
    if (check.rows.length > ROWS_SHOWN) print(`          ... ${check.rows.length - ROWS_SHOWN} more (--json for all)`);
  }
}
