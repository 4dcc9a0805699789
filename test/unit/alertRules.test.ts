import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const rules = parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: { alert: string; expr: string }[] }[] };
const alerts = rules.groups.flatMap((group) => group.rules);
const dashboard = read('deploy/grafana/corebank.json');
/** Where our own series are defined (the Temporal SDK's temporal_* are the worker runtime's). */
const ownMetrics = read('api/metrics.ts') + read('activities/metrics.ts');

/** Metric names in a PromQL expression (identifiers followed by { or [ or a space, not functions or labels). */
function metricsOf(expr: string): string[] {
  const names = expr.match(/\b(?:corebank|temporal|http)_[a-z_]+/g) ?? [];
  return [...new Set(names.map((name) => name.replace(/_(bucket|count|sum)$/, '')))];
}

describe('the alert rules (deploy/prometheus/alerts.yml)', () => {
  it('name only series the code exports, and the dashboard shows each of them', () => {
    for (const { alert, expr } of alerts) {
      for (const metric of metricsOf(expr)) {
        if (!metric.startsWith('temporal_')) expect(ownMetrics, `${alert}: ${metric}`).toContain(`'${metric}'`);
        expect(dashboard, `${alert}: ${metric} on the dashboard`).toContain(metric);
      }
    }
  });

  it('pass promtool check rules and test rules when promtool is installed (CI installs it: npm run check:alerts)', () => {
    const found = spawnSync('promtool', ['--version']);
    if (found.error) return;
    const check = spawnSync('npm', ['run', '-s', 'check:alerts'], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
