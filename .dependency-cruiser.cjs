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

module.exports = {
  forbidden: [
    {
      name: 'nothing-imports-api-or-worker',
      comment: 'nothing of the service imports `api` or `worker` (they are the two processes\' edges)',
      severity: 'error',
      from: { path: SERVICE, pathNot: layer('api', 'worker') },
      to: { path: layer('api', 'worker') },
    },
    {
      name: 'api-calls-usecases',
      comment: '`api` -> `usecases` (and `contract`, `store`, `ledger`, `domain`, `config`, `observability`); never `activities`, `workflows` or `worker`',
      severity: 'error',
      from: { path: layer('api'), pathNot: PROCESS_MAINS },
      to: { path: layer('activities', 'workflows', 'worker') },
    },
    {
      name: 'no-sql-in-api',
      comment: 'no SQL in `api`: it imports `postgres` and `ledger/db.ts` for the pool\'s type only (`api/main.ts` opens the pool); its queries live in `store/`',
      severity: 'error',
      from: { path: layer('api'), pathNot: PROCESS_MAINS },
      to: { path: ['^ledger/db\\.ts$', '^node_modules/postgres/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'usecases-below-api',
      comment: '`usecases` -> `contract`, `store`, `ledger`, `domain`, `config`; never `activities` (adapters come through `usecases/ports.ts`)',
      severity: 'error',
      from: { path: layer('usecases') },
      to: { path: layer('activities', 'observability') },
    },
    {
      name: 'usecases-workflow-types-only',
      comment: '`usecases` import `workflows` for their types only (a typed handle: the workflow\'s arguments and result)',
      severity: 'error',
      from: { path: layer('usecases') },
      to: { path: layer('workflows'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'activities-side-effects-only',
      comment: '`activities` -> `contract`, `ledger`, `store`, `domain`, `config`, `usecases/ports.ts`; never `workflows` or the rest of `usecases`',
      severity: 'error',
      from: { path: layer('activities') },
      to: { path: layer('workflows', 'usecases', 'observability'), pathNot: '^usecases/ports\\.ts$' },
    },
    {
      name: 'workflows-deterministic',
      comment: '`workflows` -> `contract`, `domain`, and `activities` as types only (proxyActivities); nothing that does I/O',
      severity: 'error',
      from: { path: layer('workflows') },
      to: { path: layer('usecases', 'store', 'ledger', 'config', 'observability') },
    },
    {
      name: 'workflows-activity-types-only',
      comment: '`workflows` import `activities` for their types only: the bundle never holds activity code',
      severity: 'error',
      from: { path: layer('workflows') },
      to: { path: layer('activities'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'contract-is-shared-definitions',
      comment: '`contract` -> `domain` only: what workflows, activities and the API share (messages, input and state types, the failure codec)',
      severity: 'error',
      from: { path: layer('contract') },
      to: { path: SERVICE, pathNot: layer('contract', 'domain') },
    },
    {
      name: 'store-and-ledger-below-usecases',
      comment: '`store` -> `ledger`, `domain`; `ledger` -> `domain`: SQL per aggregate, and the money tables',
      severity: 'error',
      from: { path: layer('store', 'ledger') },
      to: { path: SERVICE, pathNot: layer('store', 'ledger', 'domain') },
    },
    {
      name: 'ledger-below-store',
      comment: '`ledger` never imports `store`: the money tables do not depend on read models',
      severity: 'error',
      from: { path: layer('ledger') },
      to: { path: layer('store') },
    },
    {
      name: 'domain-is-pure',
      comment: '`domain` imports nothing of ours but `domain` (pure rules: no I/O, no settings)',
      severity: 'error',
      from: { path: layer('domain') },
      to: { path: SERVICE, pathNot: layer('domain') },
    },
    {
      name: 'service-imports-no-tool',
      comment: 'nothing of the service imports a tool (`dev`, `ops`, `cli`, `bench`, `test`)',
      severity: 'error',
      from: { path: SERVICE },
      to: { path: layer('dev', 'ops', 'cli', 'bench', 'test') },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|client/generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
