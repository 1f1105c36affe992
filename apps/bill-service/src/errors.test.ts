import { Code, ConnectError } from '@connectrpc/connect';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toConnectError } from './errors.ts';

const logged: unknown[] = [];
const logger = { info: () => {}, warn: () => {}, error: (fields: unknown) => logged.push(fields) };

function grpcError(code: number, details: string) {
  return Object.assign(new Error(details), { code, details, metadata: {} });
}

describe('bill-service error mapping', () => {
  it('turns a refused duplicate workflow into already_exists', () => {
    const error = new WorkflowExecutionAlreadyStartedError('exists', 'bill/c/2030-01', 'billWorkflow');
    expect(toConnectError(error, logger).code).toBe(Code.AlreadyExists);
  });

  it('turns a finished bill workflow into failed_precondition', () => {
    expect(toConnectError(new WorkflowNotFoundError('gone', 'bill/c/2030-01', undefined), logger).code).toBe(Code.FailedPrecondition);
  });

  it('keeps the message of the workflow validators business failures', () => {
    const failure = ApplicationFailure.create({ type: 'FailedPrecondition', message: 'bill is CLOSED', nonRetryable: true });
    const mapped = toConnectError(failure, logger);
    expect(mapped.code).toBe(Code.FailedPrecondition);
    expect(mapped.rawMessage).toBe('bill is CLOSED');
  });

  it('answers resource_exhausted (429) when Temporal refuses more updates in flight', () => {
    expect(toConnectError(grpcError(8, 'limit on number of concurrent in-flight updates'), logger).code).toBe(Code.ResourceExhausted);
  });

  it('answers unavailable when Temporal or PostgreSQL cannot be reached', () => {
    expect(toConnectError(grpcError(14, 'connection refused'), logger).code).toBe(Code.Unavailable);
    expect(toConnectError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), logger).code).toBe(Code.Unavailable);
  });

  it('hides anything unexpected behind a generic internal error and logs it', () => {
    const mapped = toConnectError(new Error('syntax error at or near "SELECT * FROM bills"'), logger);
    expect(mapped).toBeInstanceOf(ConnectError);
    expect(mapped.code).toBe(Code.Internal);
    expect(mapped.rawMessage).not.toContain('SELECT');
    expect(logged.length).toBeGreaterThan(0);
  });
});
