import { Code, ConnectError } from '@connectrpc/connect';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { errorResponseFor, httpMappingOf } from '../src/errors.ts';
import { buildTestGateway } from './support/in-memory-services.ts';

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
});

const CONTRACT: [Code, string, number][] = [
  [Code.InvalidArgument, 'invalid_argument', 400],
  [Code.Unauthenticated, 'unauthenticated', 401],
  [Code.PermissionDenied, 'permission_denied', 403],
  [Code.NotFound, 'not_found', 404],
  [Code.AlreadyExists, 'already_exists', 409],
  [Code.FailedPrecondition, 'failed_precondition', 409],
  [Code.Aborted, 'aborted', 409],
  [Code.ResourceExhausted, 'resource_exhausted', 429],
  [Code.Internal, 'internal', 500],
  [Code.Unavailable, 'unavailable', 503],
  [Code.DeadlineExceeded, 'deadline_exceeded', 504],
  [Code.Unimplemented, 'unimplemented', 501],
  [Code.Canceled, 'canceled', 499],
  [Code.Unknown, 'unknown', 500],
  [Code.OutOfRange, 'out_of_range', 400],
  [Code.DataLoss, 'data_loss', 500],
];

describe('Connect code → HTTP mapping', () => {
  it.each(CONTRACT)('maps code %i to %s with HTTP %i', (code, name, status) => {
    expect(httpMappingOf(code)).toEqual({ name, status });
  });

  it.each(CONTRACT)('answers a service error with code %i as %s / %i through the gateway', async (code, name, status) => {
    gateway = await buildTestGateway({
      rates: {
        getRate: () => {
          throw new ConnectError('the service said so', code);
        },
      },
    });
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL' });
    expect(response.statusCode).toBe(status);
    const body = response.json();
    expect(body.code).toBe(name);
    expect(body.details).toEqual([]);
    // A 4xx passes the service's own message; a 5xx (and canceled) never does.
    if (status < 499) expect(body.message).toBe('the service said so');
    else expect(body.message).not.toContain('the service said so');
  });
});

describe('5xx bodies', () => {
  const SQL = 'insert into bills (id) values ($1) - duplicate key value violates unique constraint "bills_pkey"';

  it('hide an internal error message that carries SQL, and log it with the request id instead', async () => {
    gateway = await buildTestGateway({
      rates: {
        getRate: () => {
          throw new ConnectError(SQL, Code.Internal);
        },
      },
    });
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL', headers: { 'x-request-id': 'req-sql-1' } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ code: 'internal', message: 'internal error', details: [] });
    expect(response.body).not.toMatch(/insert|bills|constraint/i);
    const logged = gateway.logs.find((line) => line.msg === 'request failed');
    expect(logged?.requestId).toBe('req-sql-1');
    expect(JSON.stringify(logged)).toContain('bills_pkey');
  });

  it('hide a plain exception thrown inside the gateway, with no stack trace', async () => {
    gateway = await buildTestGateway({
      rates: {
        // A broken reply (no rate) makes the gateway's own handler throw.
        getRate: () => ({}),
      },
    });
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ code: 'internal', message: 'internal error', details: [] });
    expect(response.body).not.toMatch(/at |\.ts|GetRate/);
  });

  it('say only "service unavailable" when a service cannot be reached', async () => {
    gateway = await buildTestGateway({
      rates: {
        listRates: () => {
          throw new ConnectError('connect ECONNREFUSED 10.0.0.7:50052', Code.Unavailable);
        },
      },
    });
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/rates' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ code: 'unavailable', message: 'service unavailable', details: [] });
  });

  it('answer 504 deadline_exceeded when a service outlasts the call deadline', async () => {
    gateway = await buildTestGateway({
      deps: { callTimeoutMs: 50 },
      rates: {
        getRate: async (_request, context) => {
          await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
          throw new ConnectError('late', Code.DeadlineExceeded);
        },
      },
    });
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL' });
    expect(response.statusCode).toBe(504);
    expect(response.json()).toMatchObject({ code: 'deadline_exceeded', details: [] });
  });
});

describe('errors outside the services', () => {
  it('answers an unknown route with 404 not_found in the error shape', async () => {
    gateway = await buildTestGateway();
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'not_found', message: 'no route GET /v1/nothing-here', details: [] });
    expect(response.headers['x-request-id']).toBeTruthy();
  });

  async function gatewayWithEchoRoute() {
    const built = await buildTestGateway();
    // A stand-in for the POST routes later issues add: the same error handling applies.
    built.app.post(
      '/test/echo',
      { schema: { body: Type.Object({ amount: Type.String(), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }) } },
      async (request) => request.body,
    );
    return built;
  }

  it('answers a malformed JSON body with 400 invalid_argument', async () => {
    gateway = await gatewayWithEchoRoute();
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"amount": "1.00",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/not valid JSON/) });
  });

  it('names every bad body field in message and details', async () => {
    gateway = await gatewayWithEchoRoute();
    const response = await gateway.app.inject({ method: 'POST', url: '/test/echo', payload: { amount: 10.5, currency: 'usd' } });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe('invalid_argument');
    expect(body.message).toContain('amount: must be a string');
    expect(body.details).toEqual([
      { field: 'amount', message: 'must be a string' },
      { field: 'currency', message: 'must match the pattern ^[A-Z]{3}$' },
    ]);
  });

  it('names a missing body field as required', async () => {
    gateway = await gatewayWithEchoRoute();
    const response = await gateway.app.inject({ method: 'POST', url: '/test/echo', payload: { currency: 'USD' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'invalid_argument',
      message: 'amount: is required',
      details: [{ field: 'amount', message: 'is required' }],
    });
  });

  it('keeps the status of a body that is too large, in the same shape', async () => {
    gateway = await gatewayWithEchoRoute();
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { amount: 'x'.repeat(2 * 1024 * 1024), currency: 'USD' },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'invalid_argument', details: [] });
  });
});

describe('errorResponseFor', () => {
  it('drops details from a 5xx along with its message', () => {
    expect(errorResponseFor(Code.Internal, 'secret', [{ field: 'x', message: 'secret' }])).toEqual({
      status: 500,
      body: { code: 'internal', message: 'internal error', details: [] },
    });
  });
});
