import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, findPipBinary, installPipBinary, type PipBinary } from '../pipBinary';

/** The generator check:clients runs and the e2e flow uses (docs/clients.md names the same version). */
export const PYTHON_CLIENT_GENERATOR: PipBinary = { pkg: 'openapi-python-client', version: '0.29.1', executable: 'openapi-python-client' };

const CONFIG = join(import.meta.dirname, 'openapi-python-client.yaml');

/** The generator's executable, installed into the cache the first time. */
export async function pythonClientGenerator(log: (line: string) => void = () => {}): Promise<string> {
  const found = findPipBinary(PYTHON_CLIENT_GENERATOR);
  if (found) return found;
  const got = await installPipBinary(PYTHON_CLIENT_GENERATOR, log);
  if ('error' in got) throw new Error(got.error);
  return got.path;
}

/**
 * The `corebank_client` package openapi-python-client makes of `document`, generated once per
 * version of the document into the cache (never into the repository) and reused after. Returns the
 * directory to put on PYTHONPATH and the python of the generator's venv, which has the package's
 * runtime (httpx, attrs, python-dateutil).
 */
export async function generatedPythonClient(document: string, log: (line: string) => void = () => {}) {
  const generator = await pythonClientGenerator(log);
  const python = join(generator, '..', 'python');
  const digest = createHash('sha256').update(readFileSync(document)).update(readFileSync(CONFIG)).digest('hex').slice(0, 16);
  const root = join(cacheRoot(), 'clients', `python-${PYTHON_CLIENT_GENERATOR.version}-${digest}`);
  if (existsSync(join(root, 'corebank_client', '__init__.py'))) return { pythonPath: root, python };
  // Generated beside the final place and renamed into it: an interrupted run never leaves half a package.
  const partial = `${root}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const args = ['generate', '--path', document, '--output-path', join(partial, 'corebank_client'), '--meta', 'none', '--config', CONFIG];
  const r = spawnSync(generator, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openapi-python-client failed:\n${r.stdout}${r.stderr}`);
  try {
    renameSync(partial, root);
  } catch (error) {
    // Another run generated the same document meanwhile: its copy is as good.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(root, 'corebank_client', '__init__.py'))) throw error;
  }
  return { pythonPath: root, python };
}
