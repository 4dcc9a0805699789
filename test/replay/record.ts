/**
 * Records the history of each important workflow path for the replay test (test/replay/replay.test.ts).
 *
 *   npm run record-histories                      # records every path whose file does not exist yet
 *   npm run record-histories -- --tag v2          # records every path again as <type>-<path>.v2.json
 *   npm run record-histories -- --only hold       # only paths whose file name contains "hold"
 *   npm run record-histories -- --force           # overwrites existing files (not for released code!)
 *
 * It starts its own PostgreSQL, Temporal dev server and worker (the workflow code of the working
 * tree), drives each path over the HTTP API in-process, waits for the workflow to finish and saves
 * its history to test/histories/. Existing files are kept: they stand for workflows that are still
 * running in production under the code that wrote them.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createSql } from '../../ledger/db';
import { describeHistory, HISTORIES_DIR } from './histories';
import { PATHS, type RecordedPath } from './paths';
import { createRecorderApi } from './recorderApi';
import { startRecordingStack } from './stack';

const WORKFLOW_TIMEOUT_MS = 120_000;
/** A race path is run at most this often until its history shows the interleaving. */
const RACE_ATTEMPTS = 10;

/** The workflow's result, or an error after WORKFLOW_TIMEOUT_MS. */
async function finished<T>(result: Promise<T>, workflowId: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${workflowId} did not finish in ${WORKFLOW_TIMEOUT_MS} ms`)), WORKFLOW_TIMEOUT_MS);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function fileName(p: RecordedPath, tag: string | undefined): string {
  return `${p.workflowType}-${p.path}${tag ? `.${tag}` : ''}.json`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      tag: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run record-histories -- [--only <text>]... [--tag <label>] [--force]');
    return;
  }
  if (values.tag !== undefined && !/^[A-Za-z0-9_-]+$/.test(values.tag)) throw new Error('--tag takes letters, digits, _ and -');

  const selected = PATHS.filter((p) => !values.only || values.only.some((text) => fileName(p, values.tag).includes(text)));
  const todo = selected.filter((p) => values.force || !existsSync(join(HISTORIES_DIR, fileName(p, values.tag))));
  for (const p of selected)
    if (!todo.includes(p)) console.log(`kept      ${fileName(p, values.tag)} (exists; --force overwrites, --tag adds a new one)`);
  if (todo.length === 0) {
    console.log('nothing to record');
    return;
  }

  const started = Date.now();
  const log = (line: string) => console.log(`[record +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const stack = await startRecordingStack(log);
  const sql = createSql(stack.databaseUrl, { max: 10 });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const temporal = new Client({ connection });
  const failures: string[] = [];
  const written: string[] = [];
  try {
    const api = await createRecorderApi({ sql, temporal, taskQueue: stack.taskQueue });
    const expiringApi = await createRecorderApi({ sql, temporal, taskQueue: stack.taskQueue, confirmationWindowMs: 1_500 });
    await mkdir(HISTORIES_DIR, { recursive: true });

    for (const p of todo) {
      const file = fileName(p, values.tag);
      try {
        for (let attempt = 1; ; attempt++) {
          const workflowId = await p.run({ api, expiringApi, temporal });
          const handle = temporal.workflow.getHandle(workflowId);
          const outcome = await finished(handle.result(), workflowId);
          const history = await handle.fetchHistory();
          const { workflowType } = describeHistory(history);
          if (workflowType !== p.workflowType) throw new Error(`${workflowId} is a ${workflowType}, not a ${p.workflowType}`);
          if (p.wanted && !p.wanted(history)) {
            if (attempt < RACE_ATTEMPTS) {
              log(`again     ${file}: attempt ${attempt} did not take the wanted course`);
              continue;
            }
            log(`WARNING   ${file}: no attempt took the wanted course; keeping the last one`);
          }
          await writeFile(join(HISTORIES_DIR, file), `${historyToJSON(history)}\n`);
          written.push(file);
          log(`recorded  ${file} (${history.events?.length} events, ended ${JSON.stringify(outcome)})`);
          break;
        }
      } catch (error) {
        failures.push(file);
        log(`FAILED    ${file}: ${(error as Error).stack ?? error}`);
      }
    }
    for (const e of [...api.errors, ...expiringApi.errors]) failures.push(`API error: ${e}`);
  } finally {
    await connection.close();
    await sql.end();
    await stack.stop();
  }
  if (failures.length > 0) throw new Error(`not recorded:\n  ${failures.join('\n  ')}`);
  log(`done: ${written.length} histories in ${HISTORIES_DIR}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
