import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A comment that says "see <name>.md" sends the reader to a document: it must be one the
 * repository holds, not a contract kept somewhere else. Every markdown name written in a source
 * file (comments and strings alike) must name a file of this repository: a path from the root or
 * from the file's folder, or, written bare, a file of that name somewhere in the repository.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.data', 'dist', 'coverage', 'results']);
const SOURCE_FILE = /\.(ts|js|mjs|cjs|sql|ya?ml|sh)$|^Dockerfile$/;
// A markdown file name, with the folders before it when written as a path.
const CITED_MARKDOWN = /[\w./-]*[\w-]+\.md\b/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : filesUnder(join(dir, entry.name));
    return [join(dir, entry.name)];
  });
}

const allFiles = filesUnder(ROOT);
const markdownNames = new Set(allFiles.filter((file) => file.endsWith('.md')).map((file) => file.split('/').pop()));

function exists(cited: string, citingFile: string): boolean {
  const path = cited.replace(/^\.\//, '');
  if (!path.includes('/')) return markdownNames.has(path);
  return existsSync(join(ROOT, path)) || existsSync(join(dirname(citingFile), cited));
}

describe('markdown cited by the sources', () => {
  it('names only files of this repository', () => {
    const sources = allFiles.filter((file) => SOURCE_FILE.test(file.split('/').pop() ?? ''));
    expect(sources.length).toBeGreaterThan(100);
    const citations: string[] = [];
    const missing: string[] = [];
    for (const file of sources) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          for (const cited of line.match(CITED_MARKDOWN) ?? []) {
            citations.push(cited);
            if (!exists(cited, file)) missing.push(`${relative(ROOT, file)}:${index + 1}: ${cited}`);
          }
        });
    }
    // The search finds the citations that do exist (the sources cite docs/ in many places).
    expect(citations).toContain('docs/operations.md');
    expect(missing, `cited markdown that is not in the repository:\n${missing.join('\n')}`).toEqual([]);
  });
});
