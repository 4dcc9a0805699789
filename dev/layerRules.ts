import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * docs/architecture.md's list of layer rules is made from .dependency-cruiser.cjs, the file
 * `npm run check:layers` enforces: one line per rule, its comment. `tsx dev/layerRules.ts --write`
 * rewrites the list between the markers; test/unit/layerRules.test.ts fails when they differ.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ARCHITECTURE_DOC = `${ROOT}docs/architecture.md`;
const BEGIN = '<!-- layer rules: made from .dependency-cruiser.cjs by `npx tsx dev/layerRules.ts --write` -->';
const END = '<!-- end of layer rules -->';

interface Rule {
  name: string;
  comment: string;
}

/** The rules' lines, as the doc lists them. */
export function layerRuleLines(): string[] {
  const config = createRequire(import.meta.url)(`${ROOT}.dependency-cruiser.cjs`) as { forbidden: Rule[] };
  return config.forbidden.map((rule) => `- ${rule.comment} (\`${rule.name}\`)`);
}

/** The list between the markers of the doc, or undefined when the markers are missing. */
export function documentedRuleLines(doc: string): string[] | undefined {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) return undefined;
  return doc
    .slice(begin + BEGIN.length, end)
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function write(): void {
  const doc = readFileSync(ARCHITECTURE_DOC, 'utf8');
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/architecture.md has no markers ${BEGIN} ... ${END}`);
  writeFileSync(ARCHITECTURE_DOC, `${doc.slice(0, begin + BEGIN.length)}\n${layerRuleLines().join('\n')}\n${doc.slice(end)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--write')) write();
