import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../worker/createWorker';

/** Statements at a module's top level that make state one workflow could leave to the next. */
const MODULE_STATE = /^(?:export )?(?:let|var) |^(?:export )?const \w+(?::[^=]+)? = new (?:Map|Set|WeakMap|WeakSet|Array)\b/m;

describe('workflow bundle', () => {
  // tsc cannot see that workflow code must not import Node built-ins, activities or the database;
  // webpack's bundle for the workflow sandbox can, so a forbidden import fails here.
  it('bundles the workflows for the sandbox with only deterministic code', async () => {
    const code = await bundleWorkflows();
    expect(code).toContain('paymentWorkflow');
    // Module ids as webpack writes them (a comment naming a file is no import). The folders the
    // workflows may import must show up in that form: if webpack ever writes ids another way, this
    // fails instead of the checks below passing because they search for a form that no longer exists.
    for (const allowed of ['"./workflows/payment.ts"', '"./domain/']) {
      expect(code, `module id format: ${allowed}`).toContain(allowed);
    }
    for (const forbidden of ['"./ledger/', '"./store/', '"./activities/', '"./node_modules/postgres/', 'node:crypto']) {
      expect(code, forbidden).not.toContain(forbidden);
    }

    // Our modules are preloaded (worker/createWorker.ts preloadedModules): evaluated once per
    // worker thread, their module scope shared by every workflow it runs. So none keeps mutable
    // state there; constants are fine (their exports are frozen).
    const ours = [...code.matchAll(/^\/\*\*\*\/ "\.\/((?:workflows|domain)\/[^"]+\.ts)"/gm)].map((m) => m[1] as string);
    expect(ours).toContain('workflows/payment.ts');
    expect(code).toMatch(/function preloadModules\(\) \{\s*__webpack_require__\([^\n]*"\.\/workflows\/index\.ts"\)/);
    for (const path of ours) {
      const source = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
      expect(MODULE_STATE.exec(source)?.[0], `module-level state in ${path}`).toBeUndefined();
    }
  }, 120_000);
});
