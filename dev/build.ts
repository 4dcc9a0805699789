import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleWorkflows } from '../worker/createWorker';

/**
 * `npm run build`: the production image's JavaScript in dist/ — the API, the worker and the
 * migrations as Node ESM bundles of our code (packages stay in node_modules), and the workflow
 * bundle made once here instead of at every worker start (WORKFLOW_BUNDLE_PATH points at it).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');

async function main() {
  const started = Date.now();
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: { api: 'api/main.ts', worker: 'worker/main.ts', migrate: 'dev/migrate-cli.ts' },
    absWorkingDir: root,
    outdir: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  // ledger/migrate.ts reads the .sql files next to itself, which in the bundles is dist/.
  await cp(join(root, 'ledger', 'migrations'), join(out, 'migrations'), { recursive: true });
  const code = await bundleWorkflows();
  await writeFile(join(out, 'workflow-bundle.js'), code);
  console.log(`built dist/ (api.js, worker.js, migrate.js, workflow-bundle.js) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
