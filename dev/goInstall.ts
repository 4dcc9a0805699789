import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

/** The executable's path when `binary` is on PATH. */
export function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface GoInstall {
  /** What is being built, for the progress lines. */
  what: string;
  /** `module/path/cmd/x@version`, one or more from the same module version. */
  packages: string[];
  /** GOBIN: the built executables land here. */
  dir: string;
  /** The executables that must exist afterwards (file names in dir). */
  produces: string[];
}

/**
 * `go install` into a cache directory, with a progress line every 15 s (a cold build of the
 * Temporal server or CLI takes a few minutes). Throws with Go's last lines when it fails.
 */
export async function goInstall(build: GoInstall, log: (line: string) => void): Promise<void> {
  if (!onPath('go')) throw new Error(`Go is not installed, so ${build.what} cannot be built: install Go 1.24+`);
  await mkdir(build.dir, { recursive: true });
  log(`Building ${build.what} into ${build.dir} (once; this takes a few minutes)...`);
  const started = Date.now();
  let modules = 0;
  const child = spawn('go', ['install', ...build.packages], {
    env: { ...process.env, GOBIN: build.dir, GOFLAGS: '-mod=mod' },
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
  const progress = setInterval(() => log(`  still building ${build.what} (${Math.round((Date.now() - started) / 1000)} s)...`), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(progress);
  const missing = build.produces.filter((file) => !existsSync(join(build.dir, file)));
  if (code !== 0 || missing.length > 0) {
    throw new Error(`go install ${build.packages.join(' ')} failed (exit ${code}):\n${lines.slice(-30).join('\n')}`);
  }
  log(`Built ${build.what} in ${Math.round((Date.now() - started) / 1000)} s`);
}
