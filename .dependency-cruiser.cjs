// The layer rules, checked by `npm run check:layers` (dependency-cruiser) in CI. Each rule's
// comment is one line of docs/architecture.md "Layer rules" (dev/layerRules.ts prints the list;
// test/unit/layerRules.test.ts fails when the doc and this file differ).
//
// The service's layers: api, usecases, contract, store, ledger, domain, activities, workflows,
// worker, plus config and observability, which every process reads. Tools around them (dev/, ops/,
// cli/, bench/, test/) may import any layer; nothing of the service imports a tool.

/** Paths of one or more top-level folders, for `path` and `pathNot`. */
const layer = (...names) => `^(${names.join('|')})/`;

/** The service's own code (a rule about "nothing of ours" means these folders). */
const SERVICE = layer('api', 'usecases', 'contract', 'store', 'ledger', 'domain', 'activities', 'workflows', 'worker', 'config', 'observability');

/** The processes' composition roots: they choose the concrete adapters (the notifier, the pool) and wire them in. */
const PROCESS_MAINS = '^(api|worker)/main\\.ts$';

/** A forbidden import: from `from` to `to`; its comment is the rule's line in docs/architecture.md. */
const rule = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

module.exports = {
  forbidden: [
    rule(
      'nothing-imports-api-or-worker',
      'nothing of the service imports `api` or `worker` (they are the two processes\' edges)',
      { path: SERVICE, pathNot: layer('api', 'worker') },
      { path: layer('api', 'worker') },
    ),
    rule(
      'api-calls-usecases',
      '`api` -> `usecases` (and `contract`, `store`, `ledger`, `domain`, `config`, `observability`); never `activities`, `workflows` or `worker`',
      { path: layer('api'), pathNot: PROCESS_MAINS },
      { path: layer('activities', 'workflows', 'worker') },
    ),
    rule(
      'no-sql-in-api',
      'no SQL in `api`: it imports `postgres` and `ledger/db.ts` for the pool\'s type only (`api/main.ts` opens the pool); its queries live in `store/`',
      { path: layer('api'), pathNot: PROCESS_MAINS },
      { path: ['^ledger/db\\.ts$', '^node_modules/postgres/'], dependencyTypesNot: ['type-only'] },
    ),
    rule(
      'usecases-below-api',
      '`usecases` -> `contract`, `store`, `ledger`, `domain`, `config`; never `activities` (adapters come through `usecases/ports.ts`)',
      { path: layer('usecases') },
      { path: layer('activities', 'observability') },
    ),
    rule(
      'usecases-workflow-types-only',
      '`usecases` import `workflows` for their types only (a typed handle: the workflow\'s arguments and result)',
      { path: layer('usecases') },
      { path: layer('workflows'), dependencyTypesNot: ['type-only'] },
    ),
    rule(
      'activities-side-effects-only',
      '`activities` -> `contract`, `ledger`, `store`, `domain`, `config`, `usecases/ports.ts`; never `workflows` or the rest of `usecases`',
      { path: layer('activities') },
      { path: layer('workflows', 'usecases', 'observability'), pathNot: '^usecases/ports\\.ts$' },
    ),
    rule(
      'workflows-deterministic',
      '`workflows` -> `contract`, `domain`, and `activities` as types only (proxyActivities); nothing that does I/O',
      { path: layer('workflows') },
      { path: layer('usecases', 'store', 'ledger', 'config', 'observability') },
    ),
    rule(
      'workflows-activity-types-only',
      '`workflows` import `activities` for their types only: the bundle never holds activity code',
      { path: layer('workflows') },
      { path: layer('activities'), dependencyTypesNot: ['type-only'] },
    ),
    rule(
      'contract-is-shared-definitions',
      '`contract` -> `domain` only: what workflows, activities and the API share (messages, input and state types, the failure codec)',
      { path: layer('contract') },
      { path: SERVICE, pathNot: layer('contract', 'domain') },
    ),
    rule(
      'store-and-ledger-below-usecases',
      '`store` -> `ledger`, `domain`; `ledger` -> `domain`: SQL per aggregate, and the money tables',
      { path: layer('store', 'ledger') },
      { path: SERVICE, pathNot: layer('store', 'ledger', 'domain') },
    ),
    rule(
      'ledger-below-store',
      '`ledger` never imports `store`: the money tables do not depend on read models',
      { path: layer('ledger') },
      { path: layer('store') },
    ),
    rule(
      'domain-is-pure',
      '`domain` imports nothing of ours but `domain` (pure rules: no I/O, no settings)',
      { path: layer('domain') },
      { path: SERVICE, pathNot: layer('domain') },
    ),
    rule(
      'service-imports-no-tool',
      'nothing of the service imports a tool (`dev`, `ops`, `cli`, `bench`, `test`)',
      { path: SERVICE },
      { path: layer('dev', 'ops', 'cli', 'bench', 'test') },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|client/generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
