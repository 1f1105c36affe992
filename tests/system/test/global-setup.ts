import type { TestProject } from 'vitest/node';
import { startStack, type Stack } from '@billing/devstack';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    billServiceAddress: string;
    ratesServiceAddress: string;
    databaseUrl: string;
    temporalAddress: string;
  }
}

let stack: Stack | undefined;

export async function setup(project: TestProject) {
  const lines: string[] = [];
  try {
    stack = await startStack({ print: (line) => lines.push(line) });
  } catch (error) {
    process.stderr.write(`${lines.slice(-50).join('\n')}\n`);
    throw error;
  }
  project.provide('gatewayUrl', stack.gatewayUrl);
  project.provide('billServiceAddress', stack.billServiceUrl.replace('http://', ''));
  project.provide('ratesServiceAddress', stack.ratesServiceUrl.replace('http://', ''));
  project.provide('databaseUrl', stack.databaseUrl);
  project.provide('temporalAddress', stack.temporalAddress);
}

export async function teardown() {
  await stack?.stop();
}
