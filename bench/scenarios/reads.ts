import { readFileSync } from 'node:fs';
import { addDays, dayStart, utcDate } from '../../domain/calendar';
import { newId } from '../../domain/ids';
import { createAccount } from '../../ledger/accounts';
import { recalculateCounters } from '../../ledger/consistency';
import type { Sql } from '../../ledger/db';
import { snapshotAccounts } from '../../ledger/snapshots';
import { insertClient } from '../../store/clients';
import type { ApiMemory, BenchEnvironment } from '../environment';
import { measure, summarize } from '../measure';
import type { Row } from '../report';

/**
 * What "flat" allows: a streamed statement may cost buffers (a cursor batch of 1000 rows, a chunk
 * of 500 lines, socket buffers: a few MiB), not a copy of the journal. Judged on what the API
 * still holds after a full GC (heap used plus external), sampled while the statement streams:
 * its RSS also counts garbage V8 has not collected yet (unbounded, +150 MiB at a million lines
 * with nothing held), so it is reported, not judged. A copy of 100,000 lines holds +54 MiB.
 */
const FLAT_MEMORY_MIB = 16;

/** Samples of the API's memory after a full GC while a CSV statement streams: one per tenth of it. */
const MEMORY_SAMPLES = 10;

const MiB = 1024 * 1024;
const heldMiB = (m: ApiMemory) => (m.heapUsed + m.external) / MiB;
const signed = (n: number) => `${n < 0 ? '' : '+'}${n.toFixed(1)}`;

/** Resident memory of a process in MiB, from /proc (0 where there is none). */
function residentMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Appends `count` posted entries between two accounts straight into the journal (a million
 * through the API would take the whole budget), then rebuilds their counters from it.
 */
async function growJournal(sql: Sql, a: string, b: string, count: number, createdFrom: Date) {
  const chunk = 100_000;
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    // Dated yesterday, one microsecond apart in insertion order, so the daily snapshot covers them.
    await sql`
      INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency, description, created_at)
      SELECT gen_random_uuid(), 'posted',
             CASE WHEN g % 2 = 0 THEN ${a}::uuid ELSE ${b}::uuid END,
             CASE WHEN g % 2 = 0 THEN ${b}::uuid ELSE ${a}::uuid END,
             1, 'EUR', 'bench filler', ${createdFrom}::timestamptz + (${done}::int + g) * interval '1 microsecond'
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

async function post(env: BenchEnvironment, path: string, body: unknown) {
  const headers = { authorization: `Bearer ${env.systemToken}`, 'content-type': 'application/json' };
  const res = await fetch(`${env.apiUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  await res.arrayBuffer();
}

/**
 * Streams a CSV statement, reading it chunk by chunk as a client would, counting its lines in
 * `progress`. Each time another tenth of `expectedLines` has come, reading waits for `sample`
 * (the API, held back by backpressure, is mid-stream meanwhile).
 */
async function streamCsv(
  env: BenchEnvironment,
  path: string,
  expectedLines: number,
  progress: { lines: number },
  sample: () => Promise<void>,
): Promise<void> {
  const res = await fetch(`${env.apiUrl}${path}`, { headers: { authorization: `Bearer ${env.systemToken}`, accept: 'text/csv' } });
  if (!res.ok || !res.body) throw new Error(`${path}: ${res.status}`);
  let next = 1;
  for await (const chunk of res.body) {
    for (const byte of chunk as Uint8Array) if (byte === 10) progress.lines++;
    for (; next < MEMORY_SAMPLES && progress.lines >= (next * expectedLines) / MEMORY_SAMPLES; next++) await sample();
  }
}

/** Scenario 6: an account and a page of its statement with a small and a large journal. */
export async function readScenarios(
  env: BenchEnvironment,
  sizes: [number, number],
  durationMs: number,
  log: (line: string) => void,
): Promise<Row[]> {
  // Its own client: this scenario runs first, on an empty journal, so that its entries dated
  // yesterday come before today's in seq order as well, as in any real journal.
  const { client } = await insertClient(env.sql, {
    id: newId(),
    type: 'business',
    firstName: null,
    lastName: null,
    companyName: 'Reads Ltd',
    email: 'reads@example.com',
    phone: null,
    country: 'DE',
    externalId: null,
  });
  const clientId = client.id;
  const open = () => createAccount(env.sql, { id: newId(), clientId, currency: 'EUR', kind: 'client', purpose: 'current', name: 'reads' });
  const [a, b] = [await open(), await open()];
  const rows: Row[] = [];
  const measured: Record<string, number[]> = { account: [], statement: [], asOf: [] };
  const yesterday = addDays(utcDate(new Date()), -1);
  // Opened before the entries dated yesterday, as a real account would have been.
  await env.sql`UPDATE accounts SET created_at = ${dayStart(addDays(yesterday, -1))} WHERE id IN (${a.id}, ${b.id})`;
  let grown = 0;
  for (const [phase, size] of sizes.entries()) {
    const started = Date.now();
    await growJournal(env.sql, a.id, b.id, size - grown, new Date(dayStart(yesterday).getTime() + phase * 6 * 3600 * 1000));
    grown = size;
    // The scheduled end-of-day snapshot of yesterday for the two accounts: asOf starts from it.
    await snapshotAccounts(env.sql, {
      date: yesterday,
      dayStart: dayStart(yesterday),
      cutoff: dayStart(addDays(yesterday, 1)),
      afterSeq: String(a.seq - 1n), // b was opened right after a
      limit: 2,
      fromJournal: false,
    });
    const [{ total }] = await env.sql<[{ total: bigint }]>`SELECT count(*)::bigint AS total FROM journal_entries`;
    log(`journal holds ${total} rows (${size} on the measured account; grown in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const asOfBody = () => ({ accountIds: [a.id], asOf: new Date().toISOString() });
    for (const [name, label, operation] of [
      ['account', 'GET account', () => get(env, `/v2/ledger/internal/Accounts/${a.id}`)],
      ['statement', 'GET statement page', () => get(env, `/internal/Transactions?accountId=${a.id}&limit=50`)],
      ['asOf', 'POST calculateBalances (asOf now)', () => post(env, '/internal/Accounts/calculateBalances', asOfBody())],
    ] as const) {
      const result = summarize(await measure({ concurrency: 1, durationMs }, operation));
      (measured[name] as number[]).push(result.p50);
      const first = (measured[name] as number[])[0] as number;
      const isLarge = size === sizes[1];
      rows.push({
        scenario: '6 reads at scale',
        variant: `${label} @ ${size.toLocaleString('en')} entries`,
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
    // The whole statement as CSV, once: the API streams it from a cursor (1000 rows at a time), so
    // what it holds stays flat whatever the size; the row reports lines per second.
    const before = await env.apiMemoryAfterGc();
    const during: ApiMemory[] = [];
    const sample = async () => {
      const memory = await env.apiMemoryAfterGc();
      if (memory) during.push(memory);
    };
    const rssBefore = residentMiB(env.apiPid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, residentMiB(env.apiPid));
    }, 25);
    const t0 = performance.now();
    const path = `/internal/Transactions/report?accountId=${a.id}&from=${yesterday}&to=${addDays(yesterday, 1)}`;
    const progress = { lines: 0 };
    let failure: string | undefined;
    try {
      await streamCsv(env, path, size + 1, progress, sample);
      await sample(); // after the last line
    } catch (error) {
      // An API that ran out of its bounded heap (environment.ts) fails here: the row says so.
      failure = error instanceof Error ? `${error.message}${error.cause ? `: ${String(error.cause)}` : ''}` : String(error);
    }
    const ms = performance.now() - t0;
    clearInterval(sampler);
    if (failure && (await env.apiMemoryAfterGc()) === undefined) failure += ' (the API process is gone)';
    const { lines } = progress;
    const rssGrew = rssPeak - rssBefore;
    const peak = during.length ? Math.max(...during.map(heldMiB)) : Number.NaN;
    const heldGrew = before ? peak - heldMiB(before) : Number.NaN;
    const sampledAll = before !== undefined && during.length === MEMORY_SAMPLES;
    const heldNote = before
      ? `API heap+external after GC ${heldMiB(before).toFixed(1)} MiB (heap ${(before.heapUsed / MiB).toFixed(1)}), ` +
        `${signed(heldGrew)} MiB at peak of ${during.length} samples`
      : 'API heap after GC not read';
    rows.push({
      scenario: '6 reads at scale',
      variant: `statement CSV, whole journal @ ${size.toLocaleString('en')} entries`,
      concurrency: 1,
      throughput: lines / (ms / 1000),
      p50: ms,
      p95: ms,
      p99: ms,
      operations: failure ? 0 : 1,
      errors: failure ? 1 : 0,
      ...(failure ? { firstError: failure } : {}),
      note:
        `${lines.toLocaleString('en')} lines streamed (lines/s); ${heldNote}; ` +
        `API RSS ${rssBefore.toFixed(0)} MiB, ${signed(rssGrew)} MiB at peak (old space bounded, forced GCs while sampling)`,
      // Streamed from a cursor, what the API holds must not grow with the statement.
      target: `API heap+external after GC +< ${FLAT_MEMORY_MIB} MiB`,
      met: !failure && sampledAll && heldGrew < FLAT_MEMORY_MIB,
    });
    log(
      `statement CSV @ ${size}: ${lines} lines in ${ms.toFixed(0)} ms${failure ? ` FAILED (${failure})` : ''}; ${heldNote}; ` +
        `API RSS ${signed(rssGrew)} MiB at peak`,
    );
  }
  return rows;
}
