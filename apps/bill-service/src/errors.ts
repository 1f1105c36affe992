import { Code, ConnectError } from '@connectrpc/connect';
import {
  WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MANDATE_FAILURE_TYPES } from '@billing/mandates';
import { BILL_FAILURE_TYPES } from '@billing/bills';
import type { ErrorMapper, MappedError } from '@billing/grpc-kit';

/** A field-level problem, carried to the gateway so a 400 can name the field. */
export interface FieldProblem {
  field: string;
  message: string;
}

export function invalidArgument(problems: FieldProblem[]): ConnectError {
  const message = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  return new ConnectError(message, Code.InvalidArgument);
}

/** Every ApplicationFailure type the bill workflow throws, and the code its caller gets. */
export const WORKFLOW_FAILURE_CODES: Readonly<Record<string, Code>> = {
  [BILL_FAILURE_TYPES.invalidArgument]: Code.InvalidArgument,
  [BILL_FAILURE_TYPES.failedPrecondition]: Code.FailedPrecondition,
  // A mandate control naming a collection cycle the mandate does not have.
  [MANDATE_FAILURE_TYPES.notFound]: Code.NotFound,
  // The workflow found its own records inconsistent: a bug, whose words stay in the log.
  [BILL_FAILURE_TYPES.internal]: Code.Internal,
};

// gRPC status codes Temporal answers with (numbers per the gRPC spec).
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

const TEMPORAL_STATUS: Readonly<Record<number, MappedError>> = {
  [GRPC_RESOURCE_EXHAUSTED]: { code: Code.ResourceExhausted, message: 'too many concurrent changes to this bill; retry shortly' },
  [GRPC_UNAVAILABLE]: { code: Code.Unavailable, message: 'Temporal is unavailable' },
  [GRPC_DEADLINE_EXCEEDED]: { code: Code.DeadlineExceeded, message: 'Temporal did not answer in time' },
};

/**
 * What bill-service's failures mean to its callers; the gRPC server's interceptor applies it to
 * every call (and logs the cause of each `unavailable`). Business failures keep their message;
 * what this does not know becomes a logged, generic `internal`.
 */
export const billErrors: ErrorMapper = (error) => {
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return { code: Code.AlreadyExists, message: 'a bill for this customer and period already exists' };
  }
  if (error instanceof WorkflowNotFoundError) return { code: Code.FailedPrecondition, message: 'the bill is no longer open' };
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return TEMPORAL_STATUS[GRPC_DEADLINE_EXCEEDED];
  const failure = error instanceof WorkflowUpdateFailedError ? error.cause : error;
  if (failure instanceof ApplicationFailure && failure.type) {
    const code = WORKFLOW_FAILURE_CODES[failure.type];
    if (code !== undefined) return { code, message: failure.message };
  }
  const status = grpcStatusOf(error);
  if (status !== undefined && TEMPORAL_STATUS[status]) return TEMPORAL_STATUS[status];
  if (isDatabaseUnavailable(error)) return { code: Code.Unavailable, message: 'the database is unavailable' };
  return undefined;
};

/** The gRPC status behind a Temporal client error, which wraps it (ServiceError) more often than not. */
function grpcStatusOf(error: unknown): number | undefined {
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (isGrpcServiceError(current)) return current.code;
    current = current.cause;
  }
  return undefined;
}

// Node's socket errors, PostgreSQL's "connection exception" class (08xxx) and its shutdown and
// start-up states (57P01-57P03); knex's pool timeout and pg's dropped connection carry no code.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const POSTGRES_DOWN = /^(08...|57P0[123])$/;

function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_DOWN.test(code))) return true;
  return error.name === 'KnexTimeoutError' || /^Connection terminated/.test(error.message);
}
