import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goInstall } from '../goInstall';
import { cacheRoot } from '../pipBinary';
import { GENERATORS, type Generator, type Tools } from './generators';
import { pythonClientGenerator } from './pythonClient';

/**
 * `npm run check:clients [-- --quick]`: generates clients from docs/openapi.json with the usual
 * third-party generators, proves each usable (go build, python import, tsc), and fails on any
 * warning a generator prints about the document; then Redocly's recommended rules (0 errors).
 * The generators are installed once into the cache (XDG_CACHE_HOME or ~/.cache)/corebank, never
 * into the repository. --quick (in .ci/run): openapi-python-client, oapi-codegen, typescript-fetch.
 * CHECK_CLIENTS_JAVA_BUILD=1 also builds the Java client with Maven (slow).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCUMENT = join(ROOT, 'docs/openapi.json');
const OPENAPI_GENERATOR_VERSION = '7.23.0'; // also in openapitools.json
const OAPI_CODEGEN_VERSION = 'v2.9.0';

const log = (line: string) => console.log(line);

function run(command: string, args: string[], cwd = ROOT) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GOFLAGS: '-mod=mod' } });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

async function tools(full: boolean): Promise<Tools> {
  const python = await pythonClientGenerator(log);
  const venvPython = join(python, '..', 'python');
  // The runtime of openapi-generator's python client (httpx, attrs, dateutil, pydantic come with openapi-python-client).
  if (full && !run(venvPython, ['-c', 'import urllib3, dateutil']).ok) {
    const pip = run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'urllib3>=2', 'python-dateutil']);
    if (!pip.ok) throw new Error(`pip install urllib3 python-dateutil failed:\n${pip.output}`);
  }
  const binDir = join(cacheRoot(), `oapi-codegen-${OAPI_CODEGEN_VERSION}`);
  const oapiCodegen = join(binDir, 'oapi-codegen');
  if (!existsSync(oapiCodegen)) {
    await goInstall(
      {
        what: 'oapi-codegen',
        packages: [`github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@${OAPI_CODEGEN_VERSION}`],
        dir: binDir,
        produces: ['oapi-codegen'],
      },
      log,
    );
  }
  // The npm wrapper downloads the generator's jar from Maven Central into the storageDir of openapitools.json.
  const jar = join(cacheRoot(), 'openapi-generator', `${OPENAPI_GENERATOR_VERSION}.jar`);
  if (!existsSync(jar)) {
    const got = run(process.execPath, [bin('@openapitools/openapi-generator-cli', 'openapi-generator-cli'), 'version']);
    if (!got.ok || !existsSync(jar))
      throw new Error(`openapi-generator ${OPENAPI_GENERATOR_VERSION} could not be downloaded:\n${got.output}`);
  }
  return { openapiGeneratorJar: jar, openapiPythonClient: python, python: venvPython, oapiCodegen, tsc: bin('typescript', 'tsc') };
}

/** A package's executable script, run with node. */
function bin(pkg: string, name: string): string {
  const require = createRequire(import.meta.url);
  const manifest = require(`${pkg}/package.json`) as { bin: string | Record<string, string> };
  const rel = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin[name] as string);
  return join(require.resolve(`${pkg}/package.json`), '..', rel);
}

/** What a generator's output directory needs before it builds (a module file, a tsconfig, a config). */
function prepare(generator: Generator, dir: string) {
  mkdirSync(dir, { recursive: true });
  if (generator.name === 'oapi-codegen') {
    writeFileSync(
      join(dir, 'oapi-codegen.yaml'),
      // client-type-name: the API has a `Client` model, which oapi-codegen's own Client type would shadow.
      `package: corebank\ngenerate:\n  models: true\n  client: true\noutput: ${join(dir, 'corebank.gen.go')}\noutput-options:\n  client-type-name: CorebankClient\n`,
    );
    writeFileSync(join(dir, 'go.mod'), 'module example.com/corebank\n\ngo 1.22\n');
  }
}

function afterGenerate(generator: Generator, dir: string) {
  if (generator.name.endsWith('typescript-fetch')) {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2020',
          module: 'es2020',
          moduleResolution: 'node',
          lib: ['es2020', 'dom'],
          strict: true,
          skipLibCheck: true,
        },
        include: ['**/*.ts'],
      }),
    );
  }
}

/** docs/openapi.json without its `webhooks` section (see Generator.apiOnly), written once into `work`. */
function apiOnlyDocument(work: string): string {
  const path = join(work, 'openapi-api-only.json');
  if (!existsSync(path)) {
    const { webhooks: _webhooks, ...document } = JSON.parse(readFileSync(DOCUMENT, 'utf8'));
    writeFileSync(path, JSON.stringify(document));
  }
  return path;
}

async function check(generator: Generator, t: Tools, work: string): Promise<string | undefined> {
  // openapi-python-client wants to create its output directory itself.
  const dir =
    generator.name === 'openapi-python-client'
      ? join(work, 'python-client', 'corebank_client')
      : join(work, generator.name.replace(/\W+/g, '-'));
  if (generator.name !== 'openapi-python-client') prepare(generator, dir);
  else mkdirSync(join(dir, '..'), { recursive: true });
  const [command, ...args] = generator.generate(t, generator.apiOnly ? apiOnlyDocument(work) : DOCUMENT, dir) as [string, ...string[]];
  const generated = run(command, args);
  const warnings = generated.output.split('\n').filter((l) => generator.isWarning(l) && !generator.tolerated.some((r) => r.test(l)));
  if (!generated.ok) return `generation failed:\n${tail(generated.output)}`;
  if (warnings.length > 0) return `${warnings.length} warning(s) about the document:\n${warnings.slice(0, 20).join('\n')}`;
  afterGenerate(generator, dir);
  for (const [c, ...a] of generator.build(t, dir)) {
    const built = run(c as string, a, dir);
    if (!built.ok) return `\`${[c, ...a].join(' ').slice(0, 80)}\` failed:\n${tail(built.output)}`;
  }
  return undefined;
}

const tail = (text: string) => text.trim().split('\n').slice(-25).join('\n');

async function main() {
  const quick = process.argv.includes('--quick');
  const keep = process.argv.includes('--keep');
  const t = await tools(!quick);
  const work = mkdtempSync(join(tmpdir(), 'corebank-clients-'));
  const results: [string, string | undefined][] = [];
  for (const generator of GENERATORS.filter((g) => g.quick || !quick)) {
    const started = Date.now();
    const problem = await check(generator, t, work);
    results.push([generator.name, problem]);
    log(`${problem ? 'FAIL' : 'ok  '} ${generator.name} (${Math.round((Date.now() - started) / 1000)} s)${problem ? `: ${problem}` : ''}`);
  }
  const redocly = run(process.execPath, [
    bin('@redocly/cli', 'redocly'),
    'lint',
    DOCUMENT,
    '--extends',
    'recommended',
    '--format',
    'summary',
  ]);
  results.push(['redocly lint (recommended)', redocly.ok ? undefined : tail(redocly.output)]);
  log(`${redocly.ok ? 'ok  ' : 'FAIL'} redocly lint (recommended)${redocly.ok ? '' : `: ${tail(redocly.output)}`}`);
  if (keep) log(`clients kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  const failed = results.filter(([, p]) => p);
  log(`check:clients: ${results.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
