import type { GrpcurlResult } from '@billing/devstack';

// Runs no grpcurl itself: every test runs it through @billing/devstack's `grpcurl`.

/** The service credential as grpcurl metadata, as the README shows. */
export function withServiceToken(token: string): Record<string, string> {
  return { 'x-billing-service-token': token };
}

/** The output of a grpcurl call that must succeed. */
export function answered(result: GrpcurlResult): string {
  if (result.exitCode !== 0) throw new Error(`grpcurl exited with ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}
