import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { goInstall } from './goInstall';
import { cacheRoot } from './pipBinary';

/**
 * The real Temporal server for the production shape on one machine (`npm run start:cluster`):
 * the server and its SQL schema tool at the version docker-compose.yml runs (temporalio/server
 * and temporalio/admin-tools 1.29.1), and the Web UI server at the version of temporalio/ui there.
 * None is published as a binary we may download here, and all three build with `go install`
 * (1.29.1 is the newest server whose module builds on Go 1.26 without replace directives). They
 * are built once into the cache, shared by every clone.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_VERSION = 'v2.42.1';
const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the server module: `temporal/versioned` and `visibility/versioned`. */
  postgresSchemaDir: string;
  /** Unset when not asked for (tests run without the UI). */
  ui?: string;
}

export function serverCacheDir(): string {
  return join(cacheRoot(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function uiCacheDir(): string {
  return join(cacheRoot(), `temporal-ui-${TEMPORAL_UI_VERSION}`);
}

/** The server, its SQL tool, its Postgres schema files and (with `ui`) the UI server; built when missing. */
export async function findOrBuildTemporalServer(log: (line: string) => void, { ui = true } = {}): Promise<TemporalServerBinaries> {
  const dir = serverCacheDir();
  const binaries: TemporalServerBinaries = {
    server: join(dir, 'server'),
    sqlTool: join(dir, 'sql'),
    postgresSchemaDir: join(dir, 'schema', 'postgresql', 'v12'),
    ui: ui ? join(uiCacheDir(), 'server') : undefined,
  };
  if (!existsSync(binaries.server) || !existsSync(binaries.sqlTool)) {
    await goInstall(
      {
        what: `the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool`,
        packages: [`${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
        dir,
        produces: ['server', 'sql'],
      },
      log,
    );
  }
  if (!existsSync(binaries.postgresSchemaDir)) {
    // The schema ships in the module's source, which `go install` left in the module cache; a copy
    // next to the binaries survives `go clean -modcache`.
    const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
    const source = join(modCache, `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
    cpSync(source, binaries.postgresSchemaDir, { recursive: true });
  }
  if (binaries.ui && !existsSync(binaries.ui)) {
    await goInstall(
      {
        what: `the Temporal Web UI ${TEMPORAL_UI_VERSION}`,
        packages: [`${UI_MODULE}/cmd/server@${TEMPORAL_UI_VERSION}`],
        dir: uiCacheDir(),
        produces: ['server'],
      },
      log,
    );
  }
  log(`Temporal server ${TEMPORAL_SERVER_VERSION}${ui ? `, Web UI ${TEMPORAL_UI_VERSION}` : ''}: ${dir}`);
  return binaries;
}
