import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchServer, startBenchEnvironment } from './environment';
import { chart, type Row, table } from './report';
import { ledgerScenarios, openFundedAccounts } from './scenarios/ledger';
import { readScenarios } from './scenarios/reads';
import { webhookScenarios } from './scenarios/webhooks';
import { workflowScenarios } from './scenarios/workflows';

/**
 * `npm run bench` (about 30 minutes) or `npm run bench -- --quick` (about 5): every scenario with
 * its baseline measured in the same run on the same servers, since absolute numbers on a shared
 * machine drift. The workflow scenarios run on both Temporal servers (`--servers dev,cluster`):
 * the dev server of `npm start` and the production shape of `npm run start:cluster`. Prints a
 * table; writes JSON and an SVG chart to bench/results/.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      servers: { type: 'string', default: 'dev,cluster' },
      /** Some of the groups only: reads, ledger, workflows, webhooks. */
      only: { type: 'string', default: 'reads,ledger,workflows,webhooks' },
      /** Worker processes (and baseline workers) instead of the server's default (dev 1, cluster 2). */
      workers: { type: 'string' },
    },
  });
  const only = new Set((values.only ?? '').split(','));
  const quick = values.quick ?? false;
  const servers = (values.servers ?? 'dev,cluster').split(',') as BenchServer[];
  for (const server of servers) {
    if (server !== 'dev' && server !== 'cluster') throw new Error(`--servers takes dev and/or cluster, not ${server}`);
  }
  const started = Date.now();
  const log = (line: string) => console.log(`[bench +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  const durationMs = quick ? 1_500 : 12_000;
  const concurrencies = [1, 8, 32];

  const rows: Row[] = [];
  for (const [i, server] of servers.entries()) {
    const env = await startBenchEnvironment(log, server, { workers: values.workers === undefined ? undefined : Number(values.workers) });
    try {
      // The read and ledger scenarios do not touch Temporal: once, on the first server's stack.
      // Reads first, on an empty journal: they date their entries yesterday, and rows written
      // today before them would sit before them in seq order, which no real journal does.
      if (i === 0 && only.has('reads'))
        rows.push(...(await readScenarios(env, quick ? [10_000, 100_000] : [10_000, 1_000_000], quick ? 1_000 : 5_000, log)));
      const accounts = await openFundedAccounts(env.sql, 200);
      if (i === 0 && only.has('ledger')) {
        rows.push(
          ...(await ledgerScenarios(env.sql, { durationMs, concurrencies, batchSizes: [1, 10, 100, 1000], batchConcurrency: 8 }, log)),
        );
      }
      if (only.has('webhooks')) {
        rows.push(
          ...(await webhookScenarios(
            env,
            accounts,
            { durationMs: quick ? 2_000 : 15_000, concurrencies: quick ? [8] : [1, 8, 32], events: quick ? 300 : 3_000 },
            log,
          )),
        );
      }
      if (!only.has('workflows')) continue;
      const [owner] = await env.sql<{ clientId: string }[]>`SELECT client_id FROM accounts WHERE id = ${accounts[0] as string}`;
      rows.push(
        ...(await workflowScenarios(
          env,
          accounts,
          { durationMs: quick ? 2_000 : 15_000, concurrencies, clientId: owner?.clientId as string },
          log,
        )),
      );
    } finally {
      await env.stop();
    }
  }

  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`\n${quick ? 'Quick run' : 'Full run'} on ${machine}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  console.log(table(rows));
  for (const r of rows.filter((row) => row.errors > 0)) {
    console.log(`errors in ${r.scenario} / ${r.variant} / c${r.concurrency}: ${r.errors}, first: ${r.firstError}`);
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify({ quick, machine, at: new Date().toISOString(), rows }, null, 2);
  await writeFile(`${dir}bench-${stamp}.json`, json);
  await writeFile(`${dir}latest.json`, json);
  await writeFile(`${dir}latest.svg`, chart(rows, `corebank benchmarks (${quick ? 'quick' : 'full'}) — ${machine}`));
  console.log(`\nwrote bench/results/bench-${stamp}.json, latest.json and latest.svg`);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
