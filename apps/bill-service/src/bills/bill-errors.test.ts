import { Code } from '@connectrpc/connect';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BILL_FAILURE_TYPES } from '@billing/bills';
import { INTERNAL_ERROR_MESSAGE } from '@billing/grpc-kit';
import { describe, expect, it } from 'vitest';
import { answerTo } from '../../test/support/mapped-answer.ts';
import { failureTypesThrown } from '../../test/support/workflow-failure-types.ts';
import { BILL_FAILURE_CODES, BILL_SERVICE_ERRORS, billErrors } from './bill-errors.ts';

const answer = (error: unknown) => answerTo(error, { serviceMappers: BILL_SERVICE_ERRORS, service: 'bills' });

function workflowFailure(type: string, message: string) {
  return new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message, nonRetryable: true }));
}

describe('bill errors, through the server interceptor', () => {
  it('answers already_exists when the bill\'s workflow was started before', async () => {
    const answered = await answer(new WorkflowExecutionAlreadyStartedError('exists', 'bill/c/2030-01', 'billWorkflow'));
    expect(answered).toMatchObject({ code: Code.AlreadyExists, message: 'a bill for this customer and period already exists' });
    expect(answered.logged).toBeUndefined();
  });

  it('answers a bare workflow-not-found unavailable: the Update sender alone decides that a bill has closed', async () => {
    const answered = await answer(new WorkflowNotFoundError('workflow not found', 'bill/c/2030-01', undefined));
    expect(answered).toMatchObject({ code: Code.Unavailable, message: 'the bill did not answer in time; send the request again' });
  });

  it('answers resource_exhausted naming the bill when Temporal refuses more Updates in flight', async () => {
    const busy = Object.assign(new Error('8 RESOURCE_EXHAUSTED'), { code: 8, details: 'limit on number of concurrent in-flight updates', metadata: {} });
    expect(await answer(busy)).toMatchObject({ code: Code.ResourceExhausted, message: 'too many concurrent changes to this bill; retry shortly' });
  });

  it.each([
    [BILL_FAILURE_TYPES.invalidArgument, 'amount: must be positive', Code.InvalidArgument],
    [BILL_FAILURE_TYPES.failedPrecondition, 'bill bill_1 is CLOSED and accepts no line items', Code.FailedPrecondition],
  ])('keeps the message of the workflow\'s %s failure', async (type, message, code) => {
    expect(await answer(workflowFailure(type, message))).toMatchObject({ code, message });
  });

  it('hides the words of the workflow\'s Internal failure', async () => {
    const answered = await answer(workflowFailure(BILL_FAILURE_TYPES.internal, 'line item k1 is missing from the read model'));
    expect(answered).toMatchObject({ code: Code.Internal, message: INTERNAL_ERROR_MESSAGE });
  });

  it('knows nothing of another domain\'s failure', () => {
    expect(billErrors(workflowFailure('NotFound', 'mandate mnd_1 has no collection 9'))).toBeUndefined();
  });

  it('maps every ApplicationFailure type the bill workflow throws', async () => {
    const thrown = await failureTypesThrown('bill', 'BILL_FAILURE_TYPES', BILL_FAILURE_TYPES);
    expect(thrown.files).toContain('bill.ts');
    expect(thrown.otherTables).toEqual([]);
    expect(thrown.types.filter((type) => BILL_FAILURE_CODES[type] === undefined)).toEqual([]);
  });
});
