import { Code } from '@connectrpc/connect';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { MANDATE_FAILURE_TYPES } from '@billing/mandates';
import type { ErrorMapper } from '@billing/grpc-kit';
import { temporalErrors, workflowFailureMapper } from '../errors.ts';

/** Every ApplicationFailure type the mandate workflow throws, and the code its caller gets. */
export const MANDATE_FAILURE_CODES: Readonly<Record<string, Code>> = {
  [MANDATE_FAILURE_TYPES.invalidArgument]: Code.InvalidArgument,
  [MANDATE_FAILURE_TYPES.failedPrecondition]: Code.FailedPrecondition,
  // A control naming a collection cycle the mandate does not have.
  [MANDATE_FAILURE_TYPES.notFound]: Code.NotFound,
};

const mandateWorkflowFailures = workflowFailureMapper(MANDATE_FAILURE_CODES);

/** What a mandate's workflow failures mean: its id is the mandate's, and it runs until the mandate ends. */
export const mandateErrors: ErrorMapper = (error) => {
  if (error instanceof WorkflowExecutionAlreadyStartedError) return { code: Code.AlreadyExists, message: 'a mandate with this id already exists' };
  return mandateWorkflowFailures(error);
};

/** MandateService's own mappers (`serve(MandateService, impl, { errorMappers })`): Temporal's conditions first, in a mandate's words. */
export const MANDATE_SERVICE_ERRORS: readonly ErrorMapper[] = [
  temporalErrors({ noun: 'mandate' }),
  mandateErrors,
];
