/**
 * Just enough TOML for schemathesis.toml: strings, numbers, booleans, arrays and inline tables.
 * Strings escape every control character (U+0000-U+001F, U+007F-U+009F), which TOML requires, and
 * everything outside ASCII, so the file stays plain ASCII whatever the values hold.
 */
export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };

export function tomlString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0').toUpperCase()}`;
    else out += `\\U${code.toString(16).padStart(8, '0').toUpperCase()}`;
  }
  return `${out}"`;
}

export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

export function tomlValue(value: TomlValue): string {
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`TOML: ${value} is not a finite number`);
    return Number.isInteger(value) ? String(value) : value.toString();
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`)
    .join(', ')} }`;
}

/** One `[table]` with its `key = value` lines; `name` is a dotted table name (already quoted as needed). */
export function tomlTable(name: string, entries: Record<string, TomlValue>): string {
  const lines = Object.entries(entries).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`);
  return [`[${name}]`, ...lines, ''].join('\n');
}
