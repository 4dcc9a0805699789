import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The one dynamic config file of every Temporal server corebank runs (dev, cluster, compose). */
export const DYNAMIC_CONFIG_FILE = fileURLToPath(new URL('../deploy/temporal/dynamicconfig.yaml', import.meta.url));

/**
 * The file as `--dynamic-config-value key=json` flags for `temporal server start-dev`, which takes
 * values one by one, not a file. Only unconstrained values exist in the file, so each key's first
 * value is the whole setting.
 */
export function devServerDynamicConfigFlags(): string[] {
  const settings = parse(readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')) as Record<string, { value: unknown; constraints?: unknown }[]>;
  return Object.entries(settings).flatMap(([key, values]) => {
    const [only] = values;
    if (values.length !== 1 || !only || only.constraints)
      throw new Error(`${DYNAMIC_CONFIG_FILE}: ${key} must have one unconstrained value`);
    return ['--dynamic-config-value', `${key}=${JSON.stringify(only.value)}`];
  });
}
