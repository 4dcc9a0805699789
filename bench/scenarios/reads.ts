import { newId } from '../../domain/ids';
import { createAccount } from '../../ledger/accounts';
import { recalculateCounters } from '../../ledger/consistency';
import type { Sql } from '../../ledger/db';
import type { BenchEnvironment } from '../environment';
import { measure, summarize } from '../measure';
import type { Row } from '../report';

/**
 * Appends `count` posted entries between two accounts straight into the journal (a million
 * through the API would take the whole budget), then rebuilds their counters from it.
 */
async function growJournal(sql: Sql, a: string, b: string, count: number) {
  const chunk = 100_000;
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    await sql`
      INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency, description)
      SELECT gen_random_uuid(), 'posted',
             CASE WHEN g % 2 = 0 THEN ${a}::uuid ELSE ${b}::uuid END,
             CASE WHEN g % 2 = 0 THEN ${b}::uuid ELSE ${a}::uuid END,
             1, 'EUR', 'bench filler'
      FROM generate_series(1, ${n}::int) AS g`;
  }
  await recalculateCounters(sql, [a, b]);
  // Measure the steady state, not the aftermath of a bulk load (dirty buffers, autovacuum).
  await sql`VACUUM ANALYZE journal_entries`;
  await sql`CHECKPOINT`;
}

async function get(env: BenchEnvironment, path: string) {
  const res = await fetch(`${env.apiUrl}${path}`, { headers: { authorization: `Bearer ${env.systemToken}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  await res.arrayBuffer();
}

/** Scenario 6: an account and a page of its statement with a small and a large journal. */
export async function readScenarios(
  env: BenchEnvironment,
  sizes: [number, number],
  durationMs: number,
  log: (line: string) => void,
): Promise<Row[]> {
  const clientId = (await env.sql<[{ id: string }]>`SELECT id FROM clients LIMIT 1`)[0].id;
  const open = () => createAccount(env.sql, { id: newId(), clientId, currency: 'EUR', kind: 'client', purpose: 'current', name: 'reads' });
  const [a, b] = [await open(), await open()];
  const rows: Row[] = [];
  const measured: Record<string, number[]> = { account: [], statement: [] };
  let grown = 0;
  for (const size of sizes) {
    const started = Date.now();
    await growJournal(env.sql, a.id, b.id, size - grown);
    grown = size;
    const [{ total }] = await env.sql<[{ total: bigint }]>`SELECT count(*)::bigint AS total FROM journal_entries`;
    log(`journal holds ${total} rows (${size} on the measured account; grown in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const [name, path] of [
      ['account', `/v2/ledger/internal/Accounts/${a.id}`],
      ['statement', `/internal/Transactions?accountId=${a.id}&limit=50`],
    ] as const) {
      const result = summarize(await measure({ concurrency: 1, durationMs }, () => get(env, path)));
      (measured[name] as number[]).push(result.p50);
      const first = (measured[name] as number[])[0] as number;
      const isLarge = size === sizes[1];
      rows.push({
        scenario: '6 reads at scale',
        variant: `${name === 'account' ? 'GET account' : 'GET statement page'} @ ${size.toLocaleString('en')} entries`,
        concurrency: 1,
        ...result,
        ...(isLarge
          ? {
              baseline: { name: `p50 @ ${sizes[0].toLocaleString('en')}`, throughput: Number.NaN },
              ratio: result.p50 / first,
              target: 'p50 ratio < 1.5',
              met: result.p50 / first < 1.5,
            }
          : {}),
      });
    }
  }
  return rows;
}
