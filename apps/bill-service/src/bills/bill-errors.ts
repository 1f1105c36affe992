import { Code } from '@connectrpc/connect';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { BILL_FAILURE_TYPES } from '@billing/bills';
import type { ErrorMapper } from '@billing/grpc-kit';
import { temporalErrors, workflowFailureMapper } from '../errors.ts';

/** Every ApplicationFailure type the bill workflow throws, and the code its caller gets. */
export const BILL_FAILURE_CODES: Readonly<Record<string, Code>> = {
  [BILL_FAILURE_TYPES.invalidArgument]: Code.InvalidArgument,
  [BILL_FAILURE_TYPES.failedPrecondition]: Code.FailedPrecondition,
  // The workflow found its own records inconsistent: a bug, whose words stay in the log.
  [BILL_FAILURE_TYPES.internal]: Code.Internal,
};

const billWorkflowFailures = workflowFailureMapper(BILL_FAILURE_CODES);

/** What a bill's workflow failures mean: its id is the bill's key, and it runs while the bill is open. */
export const billErrors: ErrorMapper = (error) => {
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return { code: Code.AlreadyExists, message: 'a bill for this customer and period already exists' };
  }
  return billWorkflowFailures(error);
};

/** BillService's own mappers (`serve(BillService, impl, { errorMappers })`): Temporal's conditions first, in a bill's words. */
export const BILL_SERVICE_ERRORS: readonly ErrorMapper[] = [
  temporalErrors({ noun: 'bill' }),
  billErrors,
];
