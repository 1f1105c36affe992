import { Code, ConnectError } from '@connectrpc/connect';
import type { GrpcLogger } from './logger.ts';

/** What a client sees when a handler fails for a reason it was not written to expect. */
export const INTERNAL_ERROR_MESSAGE = 'internal error';

/**
 * Turns anything a handler threw into an error that is safe to send. A ConnectError was raised
 * on purpose (a service's domain-error mapping) and passes through; anything else is a bug or
 * an outage whose text may carry SQL, hosts or stack traces, so the client gets a generic
 * `internal` and the real error goes to the log with the request id that ties them together.
 */
export function toSafeConnectError(
  error: unknown,
  log?: GrpcLogger,
  fields: Record<string, unknown> = {},
): ConnectError {
  if (error instanceof ConnectError) return error;
  log?.error({ ...fields, err: describeError(error) }, 'unexpected error in handler');
  return new ConnectError(INTERNAL_ERROR_MESSAGE, Code.Internal);
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { message: String(error) };
}
