import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
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
    temporalAddress: inject('temporalAddress'),
    taskQueue: inject('taskQueue'),
    workflowBundlePath: inject('workflowBundlePath'),
  };
}
