/** Plain output for people, JSON for machines (--json): one writer for stdout, one for stderr. */

export const print = (line = '') => process.stdout.write(`${line}\n`);
export const printError = (line: string) => process.stderr.write(`${line}\n`);
export const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `label  value` lines, labels aligned; empty values are left out. */
export function fields(pairs: [string, string | number | null | undefined][], indent = '  '): string {
  const shown = pairs.filter(([, value]) => value !== null && value !== undefined && value !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join('\n');
}
