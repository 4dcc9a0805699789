import { describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../worker/createWorker';

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
  }, 120_000);
});
