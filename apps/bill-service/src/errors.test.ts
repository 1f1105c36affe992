import { Code, ConnectError } from '@connectrpc/connect';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { INTERNAL_ERROR_MESSAGE } from '@billing/grpc-kit';
import { describe, expect, it } from 'vitest';
import { TEST_REQUEST_ID, answerTo } from '../test/support/mapped-answer.ts';
import { temporalErrors, workflowFailureMapper } from './errors.ts';

const asWidget = [temporalErrors({ noun: 'widget' })];
const answer = (error: unknown) => answerTo(error, { serviceMappers: asWidget });

/** A gRPC status error as @grpc/grpc-js raises it under the Temporal client. */
function grpcError(code: number, details: string) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

function workflowFailure(type: string, message: string) {
  return new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message, nonRetryable: true }));
}

describe('Temporal\'s conditions, through the server interceptor', () => {
  it.each([
    ['raw', (code: number, details: string) => grpcError(code, details)],
    ['wrapped by the Temporal client', (code: number, details: string) => new ServiceError('Workflow Update failed', { cause: grpcError(code, details) })],
  ])('maps Temporal\'s gRPC statuses (%s), naming the entity the workflow is', async (_shape, make) => {
    expect(await answer(make(8, 'limit on number of concurrent in-flight updates')))
      .toMatchObject({ code: Code.ResourceExhausted, message: 'too many concurrent changes to this widget; retry shortly' });
    const down = await answer(make(14, 'connection refused'));
    expect(down).toMatchObject({ code: Code.Unavailable, message: 'Temporal is unavailable' });
    expect(JSON.stringify(down.logged?.fields)).toContain('connection refused');
    expect((await answer(make(4, 'context deadline exceeded'))).code).toBe(Code.DeadlineExceeded);
  });

  it('answers deadline_exceeded when the Update call itself timed out', async () => {
    const answered = await answer(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out', { cause: grpcError(4, 'deadline') }));
    expect(answered.code).toBe(Code.DeadlineExceeded);
  });

  it.each([['update 4f2 not found'], ['workflow not found']])(
    'answers a bare "%s" unavailable, never a refusal: nothing checked that the workflow has finished', async (words) => {
      const answered = await answer(new WorkflowNotFoundError(words, 'widget/1', undefined));
      expect(answered).toMatchObject({ code: Code.Unavailable, message: 'the widget did not answer in time; send the request again' });
      expect(answered.logged?.fields.requestId).toBe(TEST_REQUEST_ID);
    });
});

describe('workflow failures by type', () => {
  const mappers = [workflowFailureMapper({ Refused: Code.FailedPrecondition, Broken: Code.Internal })];

  it('keeps the workflow\'s message under the code of its failure type', async () => {
    expect(await answerTo(workflowFailure('Refused', 'widget w1 is closed'), { serviceMappers: mappers }))
      .toMatchObject({ code: Code.FailedPrecondition, message: 'widget w1 is closed' });
  });

  it('hides the words of a failure mapped to internal and logs them', async () => {
    const answered = await answerTo(workflowFailure('Broken', 'line item k1 is missing from the read model'), { serviceMappers: mappers });
    expect(answered).toMatchObject({ code: Code.Internal, message: INTERNAL_ERROR_MESSAGE });
    expect(answered.logged?.level).toBe('error');
    expect(JSON.stringify(answered.logged?.fields)).toContain('missing from the read model');
  });

  it('treats a failure type nobody mapped as a bug: generic internal, logged as unexpected', async () => {
    const answered = await answerTo(workflowFailure('SomethingNew', 'select * from line_items'), { serviceMappers: mappers });
    expect(answered).toMatchObject({ code: Code.Internal, message: INTERNAL_ERROR_MESSAGE });
    expect(answered.logged?.message).toBe('unexpected error in handler');
  });
});

describe('what no mapper knows', () => {
  it('hides an unexpected error (SQL included) behind a generic internal error and logs it', async () => {
    const answered = await answer(Object.assign(new Error('syntax error at or near "SELECT * FROM bills"'), { code: '42601' }));
    expect(answered).toMatchObject({ code: Code.Internal, message: INTERNAL_ERROR_MESSAGE });
    expect(JSON.stringify(answered.logged?.fields)).toContain('SELECT * FROM bills');
  });

  it('passes a deliberate ConnectError through', async () => {
    const answered = await answer(new ConnectError('no bill for customer cus_1 in 2030-01', Code.NotFound));
    expect(answered).toMatchObject({ code: Code.NotFound, message: 'no bill for customer cus_1 in 2030-01' });
  });
});
