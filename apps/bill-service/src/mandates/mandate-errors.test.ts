import { Code } from '@connectrpc/connect';
import {
  ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MANDATE_FAILURE_TYPES } from '@billing/mandates';
import { describe, expect, it } from 'vitest';
import { BILL_SERVICE_ERRORS } from '../bills/bill-errors.ts';
import { answerTo } from '../../test/support/mapped-answer.ts';
import { failureTypesThrown } from '../../test/support/workflow-failure-types.ts';
import { MANDATE_FAILURE_CODES, MANDATE_SERVICE_ERRORS, mandateErrors } from './mandate-errors.ts';

/** A MandateService call, on a server that also serves BillService with its own mappers. */
const answer = (error: unknown) => answerTo(error, { serviceMappers: MANDATE_SERVICE_ERRORS, service: 'mandates' });

function workflowFailure(type: string, message: string) {
  return new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message, nonRetryable: true }));
}

const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

describe('mandate errors, through the server interceptor', () => {
  it('answers already_exists naming the mandate when its workflow was started before', async () => {
    const answered = await answer(new WorkflowExecutionAlreadyStartedError('exists', 'mandate/mnd_1', 'mandateWorkflow'));
    expect(answered).toMatchObject({ code: Code.AlreadyExists, message: 'a mandate with this id already exists' });
  });

  it('answers a bare workflow-not-found unavailable: the Update sender alone decides that a mandate has ended', async () => {
    const answered = await answer(new WorkflowNotFoundError('workflow not found', 'mandate/mnd_1', undefined));
    expect(answered).toMatchObject({ code: Code.Unavailable, message: 'the mandate did not answer in time; send the request again' });
  });

  it('answers resource_exhausted naming the mandate when Temporal refuses more Updates in flight', async () => {
    const answered = await answer(new ServiceError('Workflow Update failed', { cause: grpcError(8, 'limit on number of concurrent in-flight updates') }));
    expect(answered).toMatchObject({ code: Code.ResourceExhausted, message: 'too many concurrent changes to this mandate; retry shortly' });
  });

  it.each([
    [MANDATE_FAILURE_TYPES.invalidArgument, 'resumeOn: must be a YYYY-MM-DD date', Code.InvalidArgument],
    [MANDATE_FAILURE_TYPES.failedPrecondition, 'mandate mnd_1 is already paused', Code.FailedPrecondition],
    [MANDATE_FAILURE_TYPES.notFound, 'mandate mnd_1 has no collection 9 yet', Code.NotFound],
  ])('keeps the message of the workflow\'s %s failure', async (type, message, code) => {
    expect(await answer(workflowFailure(type, message))).toMatchObject({ code, message });
  });

  it('never words a Temporal condition on a mandate as a bill\'s, though the bills\' mappers are on the same server', async () => {
    const conditions = [
      new WorkflowExecutionAlreadyStartedError('exists', 'mandate/mnd_1', 'mandateWorkflow'),
      new WorkflowNotFoundError('workflow not found', 'mandate/mnd_1', undefined),
      new WorkflowNotFoundError('update 4f2 not found', 'mandate/mnd_1', undefined),
      grpcError(8, 'limit on number of concurrent in-flight updates'),
      new WorkflowUpdateRPCTimeoutOrCancelledError('timed out', { cause: grpcError(4, 'deadline') }),
    ];
    for (const error of conditions) {
      const onMandate = await answer(error);
      const onBill = await answerTo(error, { serviceMappers: BILL_SERVICE_ERRORS, service: 'bills' });
      expect(onMandate.message).not.toMatch(/\bbill\b/);
      expect(onMandate.code).toBe(onBill.code);
    }
  });

  it('knows nothing of another domain\'s failure', () => {
    expect(mandateErrors(workflowFailure('Internal', 'line item k1 is missing'))).toBeUndefined();
  });

  it('maps every ApplicationFailure type the mandate workflow throws', async () => {
    const thrown = await failureTypesThrown('mandate', 'MANDATE_FAILURE_TYPES', MANDATE_FAILURE_TYPES);
    expect(thrown.files).toContain('mandate.ts');
    expect(thrown.otherTables).toEqual([]);
    expect(thrown.types.filter((type) => MANDATE_FAILURE_CODES[type] === undefined)).toEqual([]);
  });
});
