import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../../api/auth';
import { startBenchEnvironment } from '../../bench/environment';
import { LOCAL_JWT_SECRET } from '../../config/env';

/**
 * `npm run test:fuzz`: Schemathesis (from PyPI, installed into a cached venv) against
 * /openapi.json of a freshly started stack, with a fixed seed and example budget: every operation,
 * generated and mutated inputs; no 5xx, and every response must match its documented schema.
 * System routes run with a system token, FrontOffice routes with a client token.
 */
const VERSION = '4.32.5';
const VENV = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'corebank', `schemathesis-${VERSION}`);
const CHECKS = 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance';

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function main() {
  const st = join(VENV, 'bin', 'st');
  if (!existsSync(st)) {
    console.log(`installing schemathesis ${VERSION} into ${VENV}`);
    if ((await run('python3', ['-m', 'venv', VENV])) !== 0) throw new Error('python3 -m venv failed');
    if ((await run(join(VENV, 'bin', 'pip'), ['install', '-q', `schemathesis==${VERSION}`])) !== 0) throw new Error('pip install failed');
  }
  const env = await startBenchEnvironment((line) => console.log(`[fuzz] ${line}`));
  let failed = 0;
  try {
    const [client] = await env.sql<[{ id: string }]>`
      INSERT INTO clients (id, type, first_name, last_name, email, country) VALUES (gen_random_uuid(), 'individual', 'Fuzz', 'Client', 'fuzz@example.com', 'DE')
      RETURNING id`;
    const clientToken = await issueToken(LOCAL_JWT_SECRET, { role: 'client', sub: client.id });
    const common = [
      'run',
      `${env.apiUrl}/openapi.json`,
      '--checks',
      CHECKS,
      '--seed',
      '42',
      '--max-examples',
      process.env.FUZZ_EXAMPLES ?? '25',
      '--workers',
      '2',
    ];
    const system = await run(st, [
      ...common,
      '-H',
      `Authorization: Bearer ${env.systemToken}`,
      '--include-path-regex',
      '^/(v2/(ledger/)?)?internal/',
    ]);
    const front = await run(st, [
      ...common,
      '-H',
      `Authorization: Bearer ${clientToken}`,
      '--exclude-path-regex',
      '^/(v2/(ledger/)?)?internal/',
    ]);
    failed = (system === 0 ? 0 : 1) + (front === 0 ? 0 : 1);
  } finally {
    await env.stop();
  }
  console.log(`${2 - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
