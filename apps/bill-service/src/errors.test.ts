import { readFile, readdir } from 'node:fs/promises';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import {
  ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BillService } from '@billing/contracts';
import { MANDATE_FAILURE_TYPES } from '@billing/mandates';
import { BILL_FAILURE_TYPES } from '@billing/bills';
import { INTERNAL_ERROR_MESSAGE, serverInterceptor } from '@billing/grpc-kit';
import { failureOf, recordingLogger } from '@billing/grpc-kit/testing';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_FAILURE_CODES, billErrors } from './errors.ts';

/** Calls GetBill on an in-memory BillService that fails with `error`, through the real interceptor. */
async function answerTo(error: unknown) {
  const logger = recordingLogger();
  const transport = createRouterTransport(
    (router) => router.service(BillService, {
      getBill() {
        throw error;
      },
    }),
    { router: { interceptors: [serverInterceptor({ logger, errorMappers: [billErrors] })] } },
  );
  const failure = await failureOf(createClient(BillService, transport).getBill(
    { customerId: 'cus_1', billingPeriod: '2030-01' },
    { headers: { [REQUEST_ID_HEADER]: 'req_bill_test' } },
  ));
  const logged = logger.lines.find((line) => line.level !== 'info');
  return { code: failure.code, message: failure.rawMessage, logged };
}

/** A gRPC status error as @grpc/grpc-js raises it under the Temporal client. */
function grpcError(code: number, details: string) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

function workflowFailure(type: string, message: string) {
  return new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message, nonRetryable: true }));
}

describe('bill-service error mapping, through the server interceptor', () => {
  it('answers already_exists when the bill\'s workflow was started before', async () => {
    const answer = await answerTo(new WorkflowExecutionAlreadyStartedError('exists', 'bill/c/2030-01', 'billWorkflow'));
    expect(answer).toMatchObject({ code: Code.AlreadyExists, message: 'a bill for this customer and period already exists' });
    expect(answer.logged).toBeUndefined();
  });

  it('answers failed_precondition when the bill\'s workflow has finished', async () => {
    const answer = await answerTo(new WorkflowNotFoundError('workflow not found', 'bill/c/2030-01', undefined));
    expect(answer).toMatchObject({ code: Code.FailedPrecondition, message: 'the bill is no longer open' });
  });

  it.each([
    [BILL_FAILURE_TYPES.invalidArgument, 'amount: must be positive', Code.InvalidArgument],
    [BILL_FAILURE_TYPES.failedPrecondition, 'bill bill_1 is CLOSED and accepts no line items', Code.FailedPrecondition],
    ['NotFound', 'mandate mnd_1 has no collection 9', Code.NotFound],
  ])('keeps the message of the workflow\'s %s failure', async (type, message, code) => {
    expect(await answerTo(workflowFailure(type, message))).toMatchObject({ code, message });
  });

  it('hides the words of the workflow\'s Internal failure and logs them', async () => {
    const answer = await answerTo(workflowFailure('Internal', 'line item k1 is missing from the read model'));
    expect(answer).toMatchObject({ code: Code.Internal, message: INTERNAL_ERROR_MESSAGE });
    expect(answer.logged?.level).toBe('error');
    expect(JSON.stringify(answer.logged?.fields)).toContain('missing from the read model');
  });

  it('treats a failure type nobody mapped as a bug: generic internal, logged as unexpected', async () => {
    const answer = await answerTo(workflowFailure('SomethingNew', 'select * from line_items'));
    expect(answer).toMatchObject({ code: Code.Internal, message: INTERNAL_ERROR_MESSAGE });
    expect(answer.logged?.message).toBe('unexpected error in handler');
  });

  it.each([
    ['raw', (code: number, details: string) => grpcError(code, details)],
    ['wrapped by the Temporal client', (code: number, details: string) => new ServiceError('Workflow Update failed', { cause: grpcError(code, details) })],
  ])('maps Temporal\'s gRPC statuses (%s)', async (_shape, make) => {
    expect((await answerTo(make(8, 'limit on number of concurrent in-flight updates'))).code).toBe(Code.ResourceExhausted);
    const down = await answerTo(make(14, 'connection refused'));
    expect(down).toMatchObject({ code: Code.Unavailable, message: 'Temporal is unavailable' });
    expect(JSON.stringify(down.logged?.fields)).toContain('connection refused');
    expect((await answerTo(make(4, 'context deadline exceeded'))).code).toBe(Code.DeadlineExceeded);
  });

  it('answers deadline_exceeded when the Update call itself timed out', async () => {
    const answer = await answerTo(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out', { cause: grpcError(4, 'deadline') }));
    expect(answer.code).toBe(Code.DeadlineExceeded);
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a server starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a connection failure', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['an exhausted pool', Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' })],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
  ])('answers unavailable for %s to PostgreSQL and logs the cause', async (_case, error) => {
    const answer = await answerTo(error);
    expect(answer).toMatchObject({ code: Code.Unavailable, message: 'the database is unavailable' });
    expect(answer.logged?.fields).toMatchObject({ requestId: 'req_bill_test', err: { message: error.message } });
  });

  it('hides an unexpected error (SQL included) behind a generic internal error and logs it', async () => {
    const answer = await answerTo(Object.assign(new Error('syntax error at or near "SELECT * FROM bills"'), { code: '42601' }));
    expect(answer).toMatchObject({ code: Code.Internal, message: INTERNAL_ERROR_MESSAGE });
    expect(JSON.stringify(answer.logged?.fields)).toContain('SELECT * FROM bills');
  });

  it('passes a deliberate ConnectError through', async () => {
    const answer = await answerTo(new ConnectError('no bill for customer cus_1 in 2030-01', Code.NotFound));
    expect(answer).toMatchObject({ code: Code.NotFound, message: 'no bill for customer cus_1 in 2030-01' });
  });
});

describe('workflow failure types', () => {
  // Workflows fail Updates only with the types their packages name (BILL_FAILURE_TYPES,
  // MANDATE_FAILURE_TYPES) or with a
  // literal type written in the workflow code; both are read here, so a new type added in either
  // place without a Connect code fails this test.
  it('maps every ApplicationFailure type the workflows throw', async () => {
    const folder = new URL('../../worker/src/workflows/', import.meta.url);
    const sources = await Promise.all((await readdir(folder)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => readFile(new URL(name, folder), 'utf8')));
    const tables: Record<string, Record<string, string>> = { BILL_FAILURE_TYPES, MANDATE_FAILURE_TYPES };
    const types = new Set<string>(Object.values(tables).flatMap((table) => Object.values(table)));
    for (const source of sources) {
      for (const [, type] of source.matchAll(/\btype:\s*'(\w+)'/g)) types.add(type as string);
      for (const [, type] of source.matchAll(/ApplicationFailure\.(?:nonRetryable|retryable)\([^;]*?,\s*'(\w+)'\s*\)/g)) types.add(type as string);
      // A failure type named through another table must be added to `tables` above.
      for (const [, table] of source.matchAll(/\b(\w+_FAILURE_TYPES)\./g)) expect(Object.keys(tables)).toContain(table);
    }
    expect(types.size).toBeGreaterThanOrEqual(3);
    expect([...types].filter((type) => WORKFLOW_FAILURE_CODES[type] === undefined)).toEqual([]);
  });
});
