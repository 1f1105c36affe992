import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { toolPath } from '@billing/devstack';

const run = promisify(execFile);

/** Runs the real grpcurl binary (plaintext) and returns its stdout. */
export async function grpcurl(args: string[]): Promise<string> {
  const { stdout } = await run(toolPath('grpcurl'), ['-plaintext', ...args], { timeout: 15_000 });
  return stdout;
}
