import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { issueToken } from '../../api/auth';
import { startBenchEnvironment } from '../../bench/environment';
import { LOCAL_JWT_SECRET } from '../../config/env';
import { RESPONSE_TIME_LIMIT_S, schemathesisConfig } from './config';
import { bodyStringFields, businessStatuses, parameterStringFields, prepareDocument, SYNTHETIC_TAG } from './openapi';
import { addProbeExamples } from './probes';
import { printFailures, type RunResult, readRunReport } from './report';
import { seed } from './seed';
import { ensureSchemathesis } from './venv';

/**
 * `npm run test:fuzz` (full) and `npm run test:fuzz:quick` (CI, a few minutes): Schemathesis
 * against a freshly started stack (embedded Postgres, Temporal dev server, worker, API), seed 42,
 * one worker. A run fails on any 5xx, a status / content type / body its operation does not
 * document, a request the schema allows answered 400 (or another status it does not document as a
 * business answer), a request the schema forbids answered 2xx, or a request not answered within
 * RESPONSE_TIME_LIMIT_S seconds.
 *
 * The document it reads is the API's own plus links, the Idempotency-Key header everywhere and the
 * undocumented routes (openapi.ts); strings may hold NUL and any control character, with dictionaries
 * of known-bad text, cursors past bigint and the seeded ids mixed in (config.ts, inputs.ts). The
 * same operations run under several tokens: system, ops and client, and client tokens whose `sub`
 * is no UUID, names no client, is empty or NUL, plus none at all.
 *
 * Environment: FUZZ_EXAMPLES (cases per operation for the main runs), FUZZ_RUNS (comma-separated
 * run names to select), FUZZ_OUT (directory for schema, config and reports; default a new temp dir),
 * FUZZ_SHRINK=1 (let Hypothesis shrink failing cases; slow when requests hang).
 */

const quick = process.argv.includes('--quick') || process.env.FUZZ_MODE === 'quick';
const log = (line: string) => console.log(`[fuzz] ${line}`);

const SYSTEM_PATHS = '^/(v2/(ledger/)?)?internal/';

interface RunSpec {
  name: string;
  /** Bearer token; none sends no Authorization header. */
  token?: string;
  /** 'system': system routes; 'front': FrontOffice routes; 'undocumented': the routes the document lacks; 'all': every documented route. */
  scope: 'system' | 'front' | 'undocumented' | 'all';
  phases: string[];
  maxExamples: number;
  mode?: 'positive' | 'negative' | 'all';
  /** Watchdog: the run is stopped (and failed) after this. */
  timeoutS: number;
}

function filters(scope: RunSpec['scope']): string[] {
  switch (scope) {
    case 'system':
      return ['--include-path-regex', SYSTEM_PATHS];
    case 'front':
      return ['--exclude-path-regex', SYSTEM_PATHS, '--exclude-tag', SYNTHETIC_TAG];
    case 'undocumented':
      return ['--include-tag', SYNTHETIC_TAG];
    case 'all':
      return ['--exclude-tag', SYNTHETIC_TAG];
  }
}

interface Tokens {
  system: string;
  ops: string;
  client: string;
  odd: { name: string; token: string; scope: RunSpec['scope'] }[];
}

async function tokens(systemToken: string, clientToken: string, clientId: string): Promise<Tokens> {
  const token = (role: 'client' | 'system' | 'ops', sub: string) => issueToken(LOCAL_JWT_SECRET, { role, sub });
  return {
    system: systemToken,
    ops: await token('ops', 'fuzz-ops'),
    client: clientToken,
    odd: [
      { name: 'client-sub-not-uuid', token: await token('client', 'not-a-uuid'), scope: 'all' },
      { name: 'client-sub-no-client', token: await token('client', randomUUID()), scope: 'all' },
      { name: 'client-sub-empty', token: await token('client', ''), scope: 'all' },
      { name: 'client-sub-nul', token: await token('client', `${clientId}\u0000`), scope: 'front' },
      { name: 'client-sub-uppercase', token: await token('client', clientId.toUpperCase()), scope: 'front' },
      { name: 'system-sub-nul', token: await token('system', 'fuzz\u0000system'), scope: 'system' },
      { name: 'ops-sub-long', token: await token('ops', `\u00e9${'x'.repeat(4000)}`), scope: 'system' },
      { name: 'client-on-system-routes', token: clientToken, scope: 'system' },
      { name: 'system-on-front-routes', token: systemToken, scope: 'front' },
    ],
  };
}

function plan(t: Tokens): RunSpec[] {
  const examples = Number(process.env.FUZZ_EXAMPLES ?? (quick ? 5 : 50));
  const all = ['examples', 'coverage', 'fuzzing', 'stateful'];
  if (quick) {
    // Several hundred cases: every operation under the system and client tokens (examples with the
    // probes, fuzzing, and stateful along the links; the dictionaries put NUL, control characters
    // and cursors past bigint into them), each once under ops and under the odd client tokens, and
    // the coverage phase for the undocumented routes (every method, with an Idempotency-Key).
    return [
      {
        name: 'system',
        token: t.system,
        scope: 'system',
        phases: ['examples', 'fuzzing', 'stateful'],
        maxExamples: examples,
        timeoutS: 150,
      },
      {
        name: 'client',
        token: t.client,
        scope: 'front',
        phases: ['examples', 'fuzzing', 'stateful'],
        maxExamples: examples,
        timeoutS: 120,
      },
      { name: 'ops', token: t.ops, scope: 'system', phases: ['examples', 'fuzzing'], maxExamples: 1, mode: 'positive', timeoutS: 60 },
      { name: 'undocumented', token: t.system, scope: 'undocumented', phases: ['coverage'], maxExamples: 2, timeoutS: 60 },
      { name: 'no-token', scope: 'undocumented', phases: ['coverage'], maxExamples: 2, timeoutS: 60 },
      ...t.odd
        .filter((o) => ['client-sub-not-uuid', 'client-sub-no-client', 'client-sub-empty'].includes(o.name))
        .map((o): RunSpec => ({ ...o, phases: ['examples', 'fuzzing'], maxExamples: 1, mode: 'positive', timeoutS: 60 })),
    ];
  }
  return [
    { name: 'system', token: t.system, scope: 'system', phases: all, maxExamples: examples, timeoutS: 2400 },
    { name: 'client', token: t.client, scope: 'front', phases: all, maxExamples: examples, timeoutS: 2400 },
    { name: 'ops', token: t.ops, scope: 'system', phases: all, maxExamples: Math.ceil(examples / 2), timeoutS: 1800 },
    { name: 'undocumented', token: t.system, scope: 'undocumented', phases: ['coverage', 'fuzzing'], maxExamples: 20, timeoutS: 300 },
    { name: 'undocumented-client', token: t.client, scope: 'undocumented', phases: ['coverage'], maxExamples: 5, timeoutS: 300 },
    { name: 'no-token', scope: 'all', phases: ['coverage'], maxExamples: 5, timeoutS: 600 },
    { name: 'no-token-undocumented', scope: 'undocumented', phases: ['coverage'], maxExamples: 5, timeoutS: 300 },
    ...t.odd.map((o): RunSpec => ({ ...o, phases: ['examples', 'fuzzing'], maxExamples: 5, timeoutS: 600 })),
  ];
}

function stArgs(run: RunSpec, schemaFile: string, configFile: string, apiUrl: string, out: string): string[] {
  return [
    '--config-file',
    configFile,
    'run',
    schemaFile,
    '--url',
    apiUrl,
    '--max-response-time',
    String(RESPONSE_TIME_LIMIT_S),
    // A hung request is cut a little after the limit, so it fails rather than stalls the run.
    '--request-timeout',
    String(RESPONSE_TIME_LIMIT_S + 1),
    '--seed',
    '42',
    '--workers',
    '1',
    '--phases',
    run.phases.join(','),
    '--max-examples',
    String(run.maxExamples),
    ...(run.mode ? ['--mode', run.mode] : []),
    // Shrinking repeats a failing request many times, a hung one for seconds each: off unless FUZZ_SHRINK=1.
    ...(process.env.FUZZ_SHRINK === '1' ? [] : ['--no-shrink']),
    // Keep going within an operation after a failure: one bug (say, a date before year 1 in a list
    // filter) must not hide another on the same operation (a cursor past bigint).
    '--continue-on-failure',
    ...(run.token ? ['-H', `Authorization: Bearer ${run.token}`] : []),
    ...filters(run.scope),
    '--report',
    'json,ndjson,junit',
    '--report-dir',
    out,
    '--report-json-path',
    join(out, `${run.name}.json`),
    '--report-ndjson-path',
    join(out, `${run.name}.ndjson`),
    '--report-junit-path',
    join(out, `${run.name}.junit.xml`),
    '--output-truncate',
    'false',
    // Keys and bodies stay visible in the evidence; the tokens are signed with the published local secret.
    '--output-sanitize',
    'false',
    ...(process.stdout.isTTY ? [] : ['--no-color']),
  ];
}

function runSt(
  st: string,
  args: string[],
  cwd: string,
  timeoutS: number,
  started: (child: ChildProcess) => void,
): Promise<{ code: number; timedOut: boolean }> {
  return new Promise((done) => {
    // In the output directory: whatever Schemathesis or Hypothesis write on their own stays out of the repo.
    const child = spawn(st, args, { stdio: 'inherit', cwd });
    started(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, timeoutS * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code: code ?? 1, timedOut });
    });
  });
}

async function main() {
  const started = Date.now();
  const st = await ensureSchemathesis(log);
  const out = process.env.FUZZ_OUT ? resolve(process.env.FUZZ_OUT) : mkdtempSync(join(tmpdir(), 'corebank-fuzz-'));
  mkdirSync(out, { recursive: true });
  // The per-caller write limits (config/env.ts) would turn most fuzzed writes into 429s and hide
  // the logic behind them: the stack under test gets limits far above the fuzzer's pace.
  for (const role of ['CLIENT', 'SYSTEM', 'OPS']) process.env[`WRITE_LIMIT_${role}_PER_MINUTE`] ??= '1000000';
  const env = await startBenchEnvironment(log);
  // Interrupted (Ctrl-C, a CI timeout): stop the stack, not leave Postgres and Temporal behind.
  let current: ChildProcess | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      current?.kill('SIGKILL');
      void env.stop().finally(() => process.exit(130));
    });
  }
  const results: RunResult[] = [];
  try {
    const data = await seed(env.apiUrl, env.systemToken, log);
    if (data.problems.length > 0) {
      results.push({
        name: 'seed',
        ok: false,
        exitCode: 1,
        timedOut: false,
        seconds: 0,
        cases: 0,
        failures: data.problems.length,
        errors: data.problems,
        findings: [],
      });
    }
    const source = (await (await fetch(`${env.apiUrl}/openapi.json`)).json()) as Record<string, unknown>;
    const { document, additions } = prepareDocument(source);
    additions.push(
      `${addProbeExamples(document, data)} request-body examples: a clean request with real ids, and control characters in one text field each (probes.ts)`,
    );
    for (const line of additions) log(`document: ${line}`);
    const schemaFile = join(out, 'openapi.json');
    const configFile = join(out, 'schemathesis.toml');
    writeFileSync(schemaFile, JSON.stringify(document, null, 2));
    writeFileSync(
      configFile,
      schemathesisConfig({
        seed: data,
        bodyTextFields: bodyStringFields(document),
        parameterTextFields: parameterStringFields(document),
        stateful: { maxSteps: quick ? 6 : 10 },
        businessStatuses: businessStatuses(document),
      }),
    );
    log(`schema, config and reports: ${out}`);

    const selected = process.env.FUZZ_RUNS?.split(',').map((s) => s.trim());
    const runs = plan(await tokens(env.systemToken, data.clientToken, data.clientId)).filter((r) => !selected || selected.includes(r.name));
    for (const run of runs) {
      log(
        `run ${run.name}: ${run.scope} routes, phases ${run.phases.join('+')}, ${run.maxExamples} per operation${run.mode ? ` (${run.mode})` : ''}`,
      );
      const t0 = Date.now();
      const { code, timedOut } = await runSt(st, stArgs(run, schemaFile, configFile, env.apiUrl, out), out, run.timeoutS, (child) => {
        current = child;
      });
      results.push(
        readRunReport(run.name, join(out, `${run.name}.json`), join(out, `${run.name}.ndjson`), code, timedOut, (Date.now() - t0) / 1000),
      );
    }
  } finally {
    await env.stop();
  }

  printFailures(results, log);
  const cases = results.reduce((n, r) => n + r.cases, 0);
  const failed = results.filter((r) => !r.ok);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(
    `fuzz (${quick ? 'quick' : 'full'}): ${results.length} runs, ${cases} cases, ${failed.length} runs failed${failed.length ? ` (${failed.map((r) => r.name).join(', ')})` : ''}, ${minutes} min`,
  );
  process.exit(failed.length === 0 && results.length > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
