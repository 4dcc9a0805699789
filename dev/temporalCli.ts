import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

/** Later CLI versions cannot be `go install`ed (their go.mod has replace directives). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Outside the repo, so every clone and every run shares one build. */
export function cliCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'corebank', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The Temporal CLI binary, in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached
 * build, else built once with `go install` into the cache (a few minutes, with progress).
 */
export async function findOrBuildTemporalCli(log: (line: string) => void = console.log): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = onPath('temporal');
  if (found) return found;
  const dir = cliCacheDir();
  const cached = join(dir, 'temporal');
  if (existsSync(cached)) return cached;

  if (!onPath('go')) {
    throw new Error('The Temporal CLI was not found and Go is not installed to build it: install Go, or set TEMPORAL_CLI_PATH');
  }
  await mkdir(dir, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} into ${dir} (once; this takes a few minutes)...`);
  const started = Date.now();
  let modules = 0;
  const child = spawn('go', ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: dir, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    lines.push(line);
    if (line.startsWith('go: downloading')) {
      modules += 1;
      if (modules % 20 === 0) log(`  downloaded ${modules} modules...`);
    }
  });
  const progress = setInterval(() => log(`  still building (${Math.round((Date.now() - started) / 1000)} s)...`), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(progress);
  if (code !== 0 || !existsSync(cached)) {
    throw new Error(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}):\n${lines.slice(-30).join('\n')}`);
  }
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${cached}`);
  return cached;
}
