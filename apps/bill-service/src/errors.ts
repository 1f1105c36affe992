import { Code, ConnectError } from '@connectrpc/connect';
import {
  WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { toSafeConnectError, type GrpcLogger } from '@billing/grpc-kit';

/** A field-level problem, carried to the gateway so a 400 can name the field. */
export interface FieldProblem {
  field: string;
  message: string;
}

export function invalidArgument(problems: FieldProblem[]): ConnectError {
  const message = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  return new ConnectError(message, Code.InvalidArgument);
}

// Application failure types thrown by the bill workflow's validators and handlers.
const FAILURE_CODES: Record<string, Code> = {
  InvalidArgument: Code.InvalidArgument,
  FailedPrecondition: Code.FailedPrecondition,
  NotFound: Code.NotFound,
};

// gRPC status codes Temporal answers with (numbers per the gRPC spec).
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * The one place bill-service turns what went wrong into a Connect code. Business failures keep
 * their message; anything unexpected becomes a generic `internal` (logged with its cause).
 */
export function toConnectError(error: unknown, logger: GrpcLogger): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return new ConnectError('a bill for this customer and period already exists', Code.AlreadyExists);
  }
  if (error instanceof WorkflowNotFoundError) {
    return new ConnectError('the bill is no longer open', Code.FailedPrecondition);
  }
  const failure = error instanceof WorkflowUpdateFailedError ? error.cause : error;
  if (failure instanceof ApplicationFailure && failure.type && FAILURE_CODES[failure.type] !== undefined) {
    return new ConnectError(failure.message, FAILURE_CODES[failure.type]);
  }
  if (isGrpcServiceError(error)) {
    if (error.code === GRPC_RESOURCE_EXHAUSTED) {
      return new ConnectError('too many concurrent changes to this bill; retry shortly', Code.ResourceExhausted);
    }
    if (error.code === GRPC_UNAVAILABLE) return new ConnectError('Temporal is unavailable', Code.Unavailable);
    if (error.code === GRPC_DEADLINE_EXCEEDED) return new ConnectError('Temporal did not answer in time', Code.DeadlineExceeded);
  }
  if (isDatabaseUnavailable(error)) return new ConnectError('the database is unavailable', Code.Unavailable);
  return toSafeConnectError(error, logger);
}

function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === '57P03' || (error instanceof Error && /Timeout acquiring a connection/.test(error.message));
}
