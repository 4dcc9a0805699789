import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statusOf } from '../../api/errors';
import { ROLES } from '../../domain/caller';
import { ErrorCode } from '../../domain/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../domain/paging';

/**
 * docs/api.md is written by hand; what it lists is checked here against the committed OpenAPI
 * document (itself checked against the running app by test/e2e/openapiSnapshot.test.ts) and the
 * code, so the page cannot drift from what the API answers.
 */

const page = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const openapi = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[] }> }> };
  paths: Record<string, Record<string, { parameters?: { name: string; schema: { maximum?: number } }[] }>>;
};
const schemas = openapi.components.schemas;

/** The body rows of the first table after `heading`, split into trimmed cells. */
function tableAfter(heading: string): string[][] {
  const start = page.indexOf(`\n${heading}\n`);
  expect(start, `docs/api.md has no "${heading}"`).toBeGreaterThan(-1);
  const lines = page.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The `code` spans of a cell, in order. */
const spans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

describe('docs/api.md', () => {
  it('lists every error code of the OpenAPI document once, with the status api/errors.ts gives it', () => {
    const rows = tableAfter('## Error codes');
    const documented = rows.map((row) => spans(row[0] ?? '')[0]);
    expect(documented).toEqual([...new Set(documented)]);
    expect([...documented].sort()).toEqual([...(schemas.ErrorCode?.enum ?? [])].sort());
    expect([...documented].sort()).toEqual(Object.values(ErrorCode).sort());
    for (const row of rows) {
      const code = spans(row[0] ?? '')[0] as ErrorCode;
      expect(Number(row[1]), code).toBe(statusOf(code));
    }
  });

  it('lists the statuses of each resource as the OpenAPI document enumerates them', () => {
    const rows = tableAfter('## Statuses');
    expect(rows.length).toBeGreaterThan(5);
    const named: string[] = [];
    for (const [what, schema, statuses] of rows) {
      const [name, property] = (spans(schema ?? '')[0] ?? '').split('.');
      const target = property ? schemas[name ?? '']?.properties?.[property] : schemas[name ?? ''];
      expect(target?.enum, `${what}: ${schema}`).toBeDefined();
      expect(spans(statuses ?? ''), `${what}: ${schema}`).toEqual(target?.enum);
      if (!property) named.push(name ?? '');
    }
    // A status enum the document names on its own is a list clients switch over: it belongs here.
    const statusEnums = Object.keys(schemas).filter((name) => name.endsWith('Status') && schemas[name]?.enum);
    expect(statusEnums.filter((name) => !named.includes(name))).toEqual([]);
  });

  it('gives the paging bounds and the roles the code uses', () => {
    expect(page).toContain(`\`?limit=\` is 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`);
    const limit = openapi.paths['/internal/Payments']?.get?.parameters?.find((p) => p.name === 'limit');
    expect(limit?.schema.maximum).toBe(MAX_PAGE_SIZE);
    expect(page).toContain(`Roles: ${ROLES.map((role) => `\`${role}\``).join(', ')}.`);
  });
});
