import { Code, ConnectError } from '@connectrpc/connect';
import {
  WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorMapper, MappedError } from '@billing/grpc-kit';

// What bill-service's failures mean to its callers is said once per domain: each service is
// served with its own mappers (bills/bill-errors.ts, mandates/mandate-errors.ts,
// ledger/ledger-errors.ts), and the shared conditions are mapped here (Temporal) and in
// database-errors.ts. The gRPC server's interceptor applies them; handlers hold no try/catch.

/** A field-level problem, carried to the gateway so a 400 can name the field. */
export interface FieldProblem {
  field: string;
  message: string;
}

export function invalidArgument(problems: FieldProblem[]): ConnectError {
  const message = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  return new ConnectError(message, Code.InvalidArgument);
}

/**
 * The code of an Update's business failure, by the ApplicationFailure type its workflow threw
 * (each workflow names its types in its package); its message is the workflow's own and is kept.
 */
export function workflowFailureMapper(codes: Readonly<Record<string, Code>>): ErrorMapper {
  return (error) => {
    const failure = error instanceof WorkflowUpdateFailedError ? error.cause : error;
    if (!(failure instanceof ApplicationFailure) || !failure.type) return undefined;
    const code = codes[failure.type];
    return code === undefined ? undefined : { code, message: failure.message };
  };
}

/** The entity a workflow is, in the words Temporal's conditions are answered with. */
export interface WorkflowEntity {
  /** `bill`, `mandate`: "too many concurrent changes to this bill". */
  noun: string;
}

// gRPC status codes Temporal answers with (numbers per the gRPC spec).
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

/**
 * Temporal's own conditions on the way to one entity's workflow: too busy, down, slow, or a
 * workflow Temporal did not find (not known to be finished). The entity's mapper (its workflow failures, an id
 * already taken, a finished workflow) comes after this one.
 */
export function temporalErrors(entity: WorkflowEntity): ErrorMapper {
  const statuses: Readonly<Record<number, MappedError>> = {
    [GRPC_RESOURCE_EXHAUSTED]: { code: Code.ResourceExhausted, message: `too many concurrent changes to this ${entity.noun}; retry shortly` },
    [GRPC_UNAVAILABLE]: { code: Code.Unavailable, message: 'Temporal is unavailable' },
    [GRPC_DEADLINE_EXCEEDED]: { code: Code.DeadlineExceeded, message: 'Temporal did not answer in time' },
  };
  return (error) => {
    // A workflow that has really finished is refused by the Update sender (workflow-updates.ts),
    // which describes it first. A bare "not found" that reaches here was not checked: it may be a
    // run boundary, so it is never answered as a refusal an idempotency key would keep.
    if (error instanceof WorkflowNotFoundError) {
      return { code: Code.Unavailable, message: `the ${entity.noun} did not answer in time; send the request again` };
    }
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return statuses[GRPC_DEADLINE_EXCEEDED];
    const status = grpcStatusOf(error);
    return status === undefined ? undefined : statuses[status];
  };
}

/** The gRPC status behind a Temporal client error, which wraps it (ServiceError) more often than not. */
function grpcStatusOf(error: unknown): number | undefined {
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (isGrpcServiceError(current)) return current.code;
    current = current.cause;
  }
  return undefined;
}
