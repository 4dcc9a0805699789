import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** The same database as the runtime role (ledger/roles.ts): what the worker processes connect as. */
    runtimeDatabaseUrl: string;
    temporalAddress: string;
    /** The queue of the shared worker that globalSetup starts. */
    taskQueue: string;
    workflowBundlePath: string;
  }
}

/** What globalSetup started for this run. */
export function testEnv() {
  return {
    databaseUrl: inject('databaseUrl'),
    runtimeDatabaseUrl: inject('runtimeDatabaseUrl'),
    temporalAddress: inject('temporalAddress'),
    taskQueue: inject('taskQueue'),
    workflowBundlePath: inject('workflowBundlePath'),
  };
}
