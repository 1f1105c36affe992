import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { toolPath } from '@billing/devstack';

const run = promisify(execFile);

/** Runs the real grpcurl binary (plaintext) and returns its stdout. */
export async function grpcurl(args: string[]): Promise<string> {
  const { stdout } = await run(toolPath('grpcurl'), ['-plaintext', ...args], { timeout: 15_000 });
  return stdout;
}

/** grpcurl's flags for a business call: the service credential as metadata, as the README shows. */
export function withServiceToken(token: string): string[] {
  return ['-H', `x-billing-service-token: ${token}`];
}
