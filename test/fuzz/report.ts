import { existsSync, readFileSync } from 'node:fs';

/**
 * What one Schemathesis run found, read from its JSON report (counts) and NDJSON event stream
 * (every failing case with its request and response), so the end of a session can list each
 * failure with the evidence: method, URL, body, status, answer.
 */
export interface Finding {
  run: string;
  operation: string;
  check: string;
  title: string;
  message: string;
  method: string;
  url: string;
  /** Request headers other than Authorization (that is the run's token). */
  headers: string;
  body: string;
  status: number | null;
  response: string;
}

export interface RunResult {
  name: string;
  ok: boolean;
  exitCode: number;
  timedOut: boolean;
  seconds: number;
  cases: number;
  /** Unique failures as Schemathesis counts them. */
  failures: number;
  errors: string[];
  findings: Finding[];
}

const MAX_TEXT = 600;

/** Control characters and non-ASCII shown as escapes, so a NUL in a body is visible in the log. */
function visible(text: string, max = MAX_TEXT): string {
  const cut = text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
  return JSON.stringify(cut).slice(1, -1);
}

function decode(field: any): string {
  if (field == null) return '';
  if (typeof field === 'string') return field;
  if (typeof field.$base64 === 'string') return Buffer.from(field.$base64, 'base64').toString('utf8');
  if (typeof field.string === 'string') return field.string;
  return JSON.stringify(field);
}

export function readRunReport(
  name: string,
  jsonPath: string,
  ndjsonPath: string,
  exitCode: number,
  timedOut: boolean,
  seconds: number,
): RunResult {
  const result: RunResult = { name, ok: false, exitCode, timedOut, seconds, cases: 0, failures: 0, errors: [], findings: [] };
  if (existsSync(jsonPath)) {
    const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
    result.cases = report.test_cases?.generated ?? 0;
    result.failures = report.test_cases?.unique_failures ?? 0;
    // The JSON report only counts errors by kind; their detail comes from the NDJSON stream below.
    const errored = report.test_cases?.errored ?? 0;
    if (errored > 0 || (report.errors ?? []).length > 0)
      result.errors.push(`${errored} cases errored: ${JSON.stringify(report.errors ?? [])}`);
  } else {
    result.errors.push(`no JSON report at ${jsonPath}`);
  }
  if (existsSync(ndjsonPath)) result.findings = findingsOf(name, ndjsonPath, result.errors);
  if (timedOut) result.errors.push('stopped by the watchdog: the run took longer than its budget');
  result.ok = exitCode === 0 && !timedOut && result.failures === 0 && result.errors.length === 0;
  return result;
}

const HIDDEN_HEADERS =
  /^(authorization|content-type|content-length|user-agent|accept|accept-encoding|connection|x-schemathesis-testcaseid)$/i;

/**
 * One finding per distinct (operation, failed checks, status): a 500 fails both "no 5xx" and
 * "documented status", which is one finding. A request that got no answer (cut at the request
 * timeout: a hang) is a finding too, from the scenario that errored.
 */
function findingsOf(run: string, ndjsonPath: string, errors: string[]): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const line of readFileSync(ndjsonPath, 'utf8').split('\n')) {
    if (!line.includes('"ScenarioFinished"') && !line.includes('"NonFatalError"')) continue;
    let event: any;
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    if (event.NonFatalError) {
      const e = event.NonFatalError;
      errors.push(visible(`${e.label ?? ''}: ${e.value?.type ?? 'error'}: ${e.value?.message ?? ''}`, 1000));
      continue;
    }
    const scenario = event.ScenarioFinished;
    const recorder = scenario?.recorder;
    if (!recorder) continue;
    for (const [caseId, interaction] of Object.entries<any>(recorder.interactions ?? {})) {
      const failed = (recorder.checks?.[caseId] ?? []).filter((c: any) => c.status === 'failure');
      const response = interaction?.response;
      const hung = !response && scenario.status === 'error';
      if (failed.length === 0 && !hung) continue;
      const failures = failed.map((c: any) => c.failure_info?.failure ?? { title: c.name });
      const operation = failures[0]?.operation ?? recorder.label;
      const check = hung ? 'no response' : failed.map((c: any, i: number) => `${failures[i]?.code ?? ''} ${c.name}`.trim()).join(' + ');
      const key = `${operation}|${check}|${response?.status_code ?? '-'}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const request = interaction?.request ?? {};
      findings.push({
        run,
        operation,
        check,
        title: hung ? 'No response (request timed out or the connection failed)' : failures.map((f: any) => f.title).join(' + '),
        message: visible(
          failures
            .map((f: any) => f.message ?? '')
            .filter(Boolean)
            .join(' | '),
          1200,
        ),
        method: request.method ?? '?',
        url: visible(request.uri ?? '', 1000),
        headers: Object.entries<string[] | string>(request.headers ?? {})
          .filter(([name]) => !HIDDEN_HEADERS.test(name))
          .map(([name, values]) => `${name}: ${visible(([] as string[]).concat(values).join(', '), 300)}`)
          .join('; '),
        body: visible(decode(request.body)),
        status: response?.status_code ?? null,
        response: response ? visible(decode(response.content)) : '',
      });
    }
  }
  return findings;
}

export function printFailures(results: RunResult[], log: (line: string) => void): void {
  log('');
  log('run                          cases  failures  seconds  result');
  for (const r of results) {
    log(
      `${r.name.padEnd(28)} ${String(r.cases).padStart(5)}  ${String(r.failures).padStart(8)}  ${r.seconds.toFixed(0).padStart(7)}  ${r.ok ? 'ok' : `FAILED (exit ${r.exitCode})`}`,
    );
  }
  for (const r of results) {
    for (const f of r.findings) {
      log('');
      log(`FAILURE [${r.name}] ${f.operation}: ${f.title} (${f.check})`);
      if (f.message) log(`  ${f.message}`);
      log(`  request:  ${f.method} ${f.url}`);
      if (f.headers) log(`  headers:  ${f.headers}`);
      if (f.body) log(`  body:     ${f.body}`);
      log(`  response: ${f.status ?? 'none'} ${f.response}`);
    }
    for (const e of r.errors) {
      log('');
      log(`ERROR [${r.name}] ${e}`);
    }
  }
}
