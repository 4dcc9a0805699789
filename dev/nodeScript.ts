import { type Child, startChild } from './processes';

export interface NodeScriptOptions {
  name: string;
  /** Absolute path of a .ts entry point, run with tsx. */
  file: string;
  env: NodeJS.ProcessEnv;
  /** Resolves once a line of output contains this text. */
  readyText: string;
  /** Print every output line (default: only errors). */
  verbose?: boolean;
  readyTimeoutMs?: number;
  /** Node options that NODE_OPTIONS refuses (`--cpu-prof`), put before the entry point. */
  nodeArgs?: string[];
}

/** A TypeScript entry point (worker, API) as its own OS process; resolves once it says it is ready. */
export async function startNodeScript(options: NodeScriptOptions): Promise<Child> {
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const child = startChild({
    name: options.name,
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), '--import', 'tsx', options.file],
    env: options.env,
    onLine: (line) => {
      if (line.includes(options.readyText)) markReady();
      // Errors only: the SDK logs retried activity failures (expected, say, while a provider decides) as warnings.
      if (options.verbose || /"level":(50|60)|\[ERROR\]/.test(line)) console.log(`[${options.name}] ${line}`);
    },
  });
  const exitedEarly = child.exited.then((code) => {
    throw new Error(`${options.name} exited at start with code ${code}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${options.name} not ready after ${options.readyTimeoutMs ?? 120_000} ms`)),
      options.readyTimeoutMs ?? 120_000,
    );
  });
  try {
    await Promise.race([ready, exitedEarly, timeout]);
  } catch (error) {
    child.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return child;
}
