import type { TestProject } from 'vitest/node';
import { startStack, type Stack } from '@billing/devstack';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    temporalNamespace: string;
    ratesServiceUrl: string;
  }
}

let stack: Stack | undefined;

/**
 * Everything bill-service talks to, real and on free ports: PostgreSQL, Temporal, the worker, rates-service,
 * and a bill-service process too, because the worker posts closed bills' invoices to its ledger.
 */
export async function setup(project: TestProject) {
  const lines: string[] = [];
  try {
    stack = await startStack({ apps: ['rates-service', 'bill-service', 'worker'], env: { LOG_LEVEL: 'warn' }, print: (line) => lines.push(line) });
  } catch (error) {
    process.stderr.write(`${lines.slice(-50).join('\n')}\n`);
    throw error;
  }
  project.provide('databaseUrl', stack.databaseUrl);
  project.provide('temporalAddress', stack.temporalAddress);
  project.provide('temporalNamespace', stack.temporalNamespace);
  project.provide('ratesServiceUrl', stack.ratesServiceUrl);
}

export async function teardown() {
  await stack?.stop();
}
