/** A mistake in the command line: the usage is printed and the exit code is 2. */
export class UsageError extends Error {}

/** Runs node:util parseArgs (or any parse step), turning its errors into UsageError. */
export function parsed<R>(parse: () => R): R {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The one positional argument a command takes (a transfer id, say). */
export function onePositional(positionals: string[], name: string): string {
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError(`expected exactly one <${name}>`);
  return positionals[0];
}

export function positiveInteger(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} must be a positive whole number`);
  return n;
}
