import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_DOC, documentedRuleLines, layerRuleLines } from '../../dev/layerRules';

describe('docs/architecture.md lists the layer rules check:layers enforces', () => {
  it('the list between its markers is the one made from .dependency-cruiser.cjs', () => {
    const documented = documentedRuleLines(readFileSync(ARCHITECTURE_DOC, 'utf8'));
    expect(documented, 'the markers of the layer rules are missing from docs/architecture.md').toBeDefined();
    expect(layerRuleLines().length).toBeGreaterThan(5);
    // Fix: `npx tsx dev/layerRules.ts --write` after changing .dependency-cruiser.cjs.
    expect(documented).toEqual(layerRuleLines());
  });
});
