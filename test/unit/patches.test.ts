import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PATCHES, type WorkflowPatch } from '../../workflows/patches';

/**
 * Patch ids live in one registry (workflows/patches.ts): every `patched(` and `deprecatePatch(`
 * call in workflows/ names an id of it, either as `PATCHES.<NAME>.id` or as the id itself.
 */
const WORKFLOWS_DIR = fileURLToPath(new URL('../../workflows/', import.meta.url));
const PATCH_CALL = /\b(patched|deprecatePatch)\(\s*([^)]*?)\s*\)/g;

/** The calls in `source` whose argument is not an id of `registry`, as `call(argument)`. */
function unregisteredPatchCalls(source: string, registry: Record<string, WorkflowPatch>): string[] {
  const ids = new Set(Object.values(registry).map((p) => p.id));
  const unknown: string[] = [];
  for (const [, call, argument = ''] of source.matchAll(PATCH_CALL)) {
    const byName = /^PATCHES\.(\w+)\.id$/.exec(argument)?.[1];
    const literal = /^(['"`])([^'"`]+)\1$/.exec(argument)?.[2];
    const known = byName !== undefined ? byName in registry : literal !== undefined && ids.has(literal);
    if (!known) unknown.push(`${call}(${argument})`);
  }
  return unknown;
}

/** Workflow code without its comments (the registry's own doc comment names the calls). */
const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

const EXAMPLE: Record<string, WorkflowPatch> = {
  FEE_BEFORE_HOLD: {
    id: 'fee-before-hold',
    added: '2027-01-15',
    reason: 'an example',
    deprecateWhen: 'an example',
    stage: 'patched',
  },
};

describe('workflow patch ids', () => {
  it('finds a call whose id the registry does not hold, by name or as a string', () => {
    const source = [
      'if (patched(PATCHES.FEE_BEFORE_HOLD.id)) {}',
      "deprecatePatch('fee-before-hold');",
      "if (patched('fee-after-hold')) {}",
      'if (patched(PATCHES.SOMETHING_ELSE.id)) {}',
      'deprecatePatch(FEE_ID);',
    ].join('\n');
    expect(unregisteredPatchCalls(source, EXAMPLE)).toEqual([
      "patched('fee-after-hold')",
      'patched(PATCHES.SOMETHING_ELSE.id)',
      'deprecatePatch(FEE_ID)',
    ]);
  });

  it('every patched() and deprecatePatch() call in workflows/ names an id of workflows/patches.ts', () => {
    const files = readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('outgoingTransfer.ts');
    const unknown = files.flatMap((file) =>
      unregisteredPatchCalls(withoutComments(readFileSync(join(WORKFLOWS_DIR, file), 'utf8')), PATCHES).map((c) => `${file}: ${c}`),
    );
    expect(unknown).toEqual([]);
  });

  it('each registered patch has a unique kebab-case id, a real date, a reason and when it can be deprecated', () => {
    const entries: WorkflowPatch[] = Object.values(PATCHES as Record<string, WorkflowPatch>);
    expect(new Set(entries.map((p) => p.id)).size).toBe(entries.length);
    for (const p of entries) {
      expect(p.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.added).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Number.isNaN(Date.parse(p.added))).toBe(false);
      expect(p.reason.length).toBeGreaterThan(0);
      expect(p.deprecateWhen.length).toBeGreaterThan(0);
    }
  });
});
