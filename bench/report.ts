import type { Summary } from './measure';

export interface Row extends Summary {
  scenario: string;
  variant: string;
  concurrency: number;
  /** Throughput of the baseline measured in the same run, and ours divided by it. */
  baseline?: { name: string; throughput: number };
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
  /** (API + worker) CPU per item over (bench client + no-op worker) CPU per empty workflow, same run. */
  ownCpuRatio?: number;
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '' : n.toFixed(digits));

/** A floor row's worker is the no-op worker; a scenario row's is ours. */
function cpuCells(r: Row): string {
  const c = r.cpuMsPerItem;
  if (!c) return '';
  return [c.api, c.worker + c.floorWorker, c.temporal, c.postgres, c.client].map((ms) => fmt(ms, 1)).join('/');
}

export function table(rows: Row[]): string {
  const header = [
    'scenario',
    'variant',
    'conc',
    'ops',
    'errors',
    'items/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'baseline',
    'ratio',
    'target',
    'met',
    'cpu ms/item api/wkr/tmp/pg/cli',
    'own cpu',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.variant,
    String(r.concurrency),
    String(r.operations),
    String(r.errors),
    fmt(r.throughput, 0),
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.p99),
    r.baseline ? `${r.baseline.name} ${fmt(r.baseline.throughput, 0)}/s` : '',
    r.ratio === undefined ? '' : `${fmt(r.ratio, 2)}x`,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    cpuCells(r),
    r.ownCpuRatio === undefined ? '' : `${fmt(r.ownCpuRatio, 2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** A two-panel SVG: throughput (items/s, log scale) and p99 latency per measured row. */
export function chart(rows: Row[], title: string): string {
  const barH = 16;
  const gap = 6;
  const labelW = 330;
  const panelW = 360;
  const top = 50;
  const height = top + rows.length * (barH + gap) + 30;
  const width = labelW + 2 * panelW + 60;
  const maxThroughput = Math.max(...rows.map((r) => r.throughput), 1);
  const maxP99 = Math.max(...rows.map((r) => (Number.isNaN(r.p99) ? 0 : r.p99)), 1);
  const logScale = (v: number) => (v <= 1 ? 0 : (Math.log10(v) / Math.log10(maxThroughput)) * (panelW - 70));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = rows
    .map((r, i) => {
      const y = top + i * (barH + gap);
      const t = logScale(r.throughput);
      const p = ((Number.isNaN(r.p99) ? 0 : r.p99) / maxP99) * (panelW - 70);
      const color = r.variant.startsWith('baseline') ? '#9aa5b1' : '#2f6fdf';
      return [
        `<text x="${labelW - 8}" y="${y + 12}" text-anchor="end">${esc(`${r.scenario} · ${r.variant} · c${r.concurrency}`)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${t.toFixed(1)}" height="${barH}" fill="${color}"/>`,
        `<text x="${(labelW + t + 4).toFixed(1)}" y="${y + 12}">${r.throughput.toFixed(0)}/s</text>`,
        `<rect x="${labelW + panelW + 30}" y="${y}" width="${p.toFixed(1)}" height="${barH}" fill="#e07b39"/>`,
        `<text x="${(labelW + panelW + 34 + p).toFixed(1)}" y="${y + 12}">${Number.isNaN(r.p99) ? '' : `${r.p99.toFixed(1)} ms`}</text>`,
      ].join('');
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>
<text x="${labelW}" y="40" font-weight="bold">throughput (items/s, log scale; grey = baseline)</text>
<text x="${labelW + panelW + 30}" y="40" font-weight="bold">p99 latency (ms)</text>
${bars}
</svg>
`;
}
