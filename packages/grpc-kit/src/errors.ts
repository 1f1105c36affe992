import { Code, ConnectError } from '@connectrpc/connect';

/** What a client sees when a handler fails for a reason it must not learn the details of. */
export const INTERNAL_ERROR_MESSAGE = 'internal error';

/** What a service tells its caller about one of its failures. */
export interface MappedError {
  code: Code;
  message: string;
}

/**
 * A service's domain mapping: a pure function from whatever a handler threw to what the caller
 * is told, or `undefined` for an error it does not know. A service passes its own with
 * `serve(Service, impl, { errorMappers })` and the server's shared ones with
 * `createGrpcServer({ errorMappers })`; the server interceptor asks them in that order.
 */
export type ErrorMapper = (error: unknown) => MappedError | undefined;

/** How one failed call is answered and what of it goes to the log. */
export interface CallFailure {
  /** Safe to send. */
  error: ConnectError;
  /** `error`: a fault here; `warn`: a dependency or a limit failed the call; absent: the caller's mistake, said in full. */
  level?: 'warn' | 'error';
  /** What to log as the reason: the original error behind the answer. */
  cause?: unknown;
  /** True when no mapping knew the error. */
  unexpected?: boolean;
}

// Codes that mean "this side could not do it": their cause is always logged.
const FAULT_CODES = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unimplemented]);
const DEPENDENCY_CODES = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted]);

/**
 * Decides how a failed call is answered. A ConnectError was raised on purpose and keeps its code
 * and message (its `cause`, if any, is what gets logged). Otherwise the first mapper that knows
 * the error decides. Anything else is a bug or an outage whose text may carry SQL, hosts or
 * stack traces: the client gets a bare `internal`. Whatever the route, an `internal` answer never
 * carries the words that caused it.
 */
export function classifyFailure(error: unknown, mappers: readonly ErrorMapper[]): CallFailure {
  let answer: ConnectError;
  let cause: unknown = error;
  let unexpected = false;
  const mapped = error instanceof ConnectError ? undefined : firstMapping(error, mappers);
  if (error instanceof ConnectError) {
    answer = error;
    cause = error.cause ?? error;
  } else if (mapped) {
    answer = new ConnectError(mapped.message, mapped.code, undefined, undefined, error);
  } else {
    answer = new ConnectError(INTERNAL_ERROR_MESSAGE, Code.Internal);
    unexpected = true;
  }
  if (FAULT_CODES.has(answer.code)) {
    if (answer.rawMessage !== INTERNAL_ERROR_MESSAGE) answer = new ConnectError(INTERNAL_ERROR_MESSAGE, answer.code);
    return { error: answer, level: 'error', cause, unexpected };
  }
  if (DEPENDENCY_CODES.has(answer.code)) return { error: answer, level: 'warn', cause };
  return { error: answer };
}

function firstMapping(error: unknown, mappers: readonly ErrorMapper[]): MappedError | undefined {
  for (const map of mappers) {
    const mapped = map(error);
    if (mapped) return mapped;
  }
  return undefined;
}

/** An error as log fields: its type and message, its stack when asked, and what caused it. */
export function describeError(error: unknown, withStack = false, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = { type: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') fields.code = code;
  if (withStack) fields.stack = error.stack;
  // Temporal and Connect wrap the error that matters (a gRPC status, an ApplicationFailure).
  if (error.cause !== undefined && depth < 4) fields.cause = describeError(error.cause, false, depth + 1);
  return fields;
}
