import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Schemathesis from PyPI in a venv cached outside the repo: XDG_CACHE_HOME (or ~/.cache)
 * /corebank/schemathesis-<hash of requirements.txt>. A venv is used only once a marker file says
 * its install finished, so an interrupted install is redone, not half-used.
 */
const REQUIREMENTS = fileURLToPath(new URL('./requirements.txt', import.meta.url));

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

export async function ensureSchemathesis(log: (line: string) => void): Promise<string> {
  const requirements = readFileSync(REQUIREMENTS, 'utf8');
  const hash = createHash('sha256').update(requirements).digest('hex').slice(0, 12);
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const venv = join(base, 'corebank', `schemathesis-${hash}`);
  const st = join(venv, 'bin', 'st');
  const marker = join(venv, '.installed');
  if (existsSync(marker) && existsSync(st)) return st;

  log(`installing ${requirements.match(/^schemathesis==\S+/m)?.[0] ?? 'schemathesis'} into ${venv}`);
  rmSync(venv, { recursive: true, force: true });
  const python = process.env.PYTHON ?? 'python3';
  let pip = [join(venv, 'bin', 'python'), '-m', 'pip'];
  if ((await run(python, ['-m', 'venv', venv])) !== 0) {
    // Debian/Ubuntu without python3-venv have no ensurepip: a bare venv, filled by the system pip.
    rmSync(venv, { recursive: true, force: true });
    if ((await run(python, ['-m', 'venv', '--without-pip', venv])) !== 0) throw new Error(`${python} -m venv failed`);
    pip = [python, '-m', 'pip', '--python', join(venv, 'bin', 'python')];
  }
  const [command, ...prefix] = pip as [string, ...string[]];
  const args = [...prefix, 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS];
  if ((await run(command, args)) !== 0) throw new Error(`pip install -r ${REQUIREMENTS} failed`);
  if ((await run(st, ['--version'])) !== 0) throw new Error(`${st} does not run`);
  writeFileSync(marker, `${requirements}\n`);
  return st;
}
