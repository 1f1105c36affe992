import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { RatesService, health } from '@billing/contracts';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { INTERNAL_ERROR_MESSAGE, type ErrorMapper } from './errors.ts';
import { requestIdOf } from './request-id.ts';
import { serverInterceptor } from './server-interceptor.ts';
import { failureOf } from './testing/connect-error.ts';
import { recordingLogger } from './testing/recording-logger.ts';

// RatesService is just a convenient unary contract here; the behaviour under test is the kit's.
function setup(listRates: (base: string, requestId: string) => void, errorMappers: ErrorMapper[] = []) {
  const logger = recordingLogger();
  const seenIds: string[] = [];
  const transport = createRouterTransport(
    (router) =>
      router.service(RatesService, {
        getRate(_request, context) {
          seenIds.push(requestIdOf(context));
          return { rate: { base: 'USD', quote: 'GEL', rate: '2.7150', source: 'test' } };
        },
        listRates(request, context) {
          listRates(request.base, requestIdOf(context));
          return { base: request.base };
        },
      }),
    { router: { interceptors: [serverInterceptor({ logger, errorMappers })] } },
  );
  return { logger, seenIds, client: createClient(RatesService, transport) };
}

const failing = (error: unknown) => () => {
  throw error;
};
const callLine = (logger: ReturnType<typeof recordingLogger>) => logger.lines.find((line) => line.message === 'grpc call');

class OutOfStock extends Error {}
class VendorDown extends Error {}
const shopErrors: ErrorMapper = (error) => {
  if (error instanceof OutOfStock) return { code: Code.FailedPrecondition, message: `out of stock: ${error.message}` };
  if (error instanceof VendorDown) return { code: Code.Unavailable, message: 'the vendor is unavailable' };
  return undefined;
};

describe('request id on the server', () => {
  it('hands the caller\'s x-request-id to the handler, echoes it, and logs one line for the call', async () => {
    const { logger, seenIds, client } = setup(() => {});
    let echoed: string | null = null;
    await client.getRate({ base: 'USD', quote: 'GEL' }, {
      headers: { [REQUEST_ID_HEADER]: 'req_from_gateway' },
      onHeader: (headers) => (echoed = headers.get(REQUEST_ID_HEADER)),
    });
    expect(seenIds).toEqual(['req_from_gateway']);
    expect(echoed).toBe('req_from_gateway');
    const calls = logger.lines.filter((line) => line.message === 'grpc call');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.fields).toMatchObject({
      requestId: 'req_from_gateway',
      procedure: 'rates.v1.RatesService/GetRate',
      code: 'ok',
      durationMs: expect.any(Number),
    });
  });

  it('makes a fresh id when the caller sends none or an unsafe one', async () => {
    const { seenIds, client } = setup(() => {});
    await client.getRate({});
    await client.getRate({}, { headers: { [REQUEST_ID_HEADER]: '<script> spaces & all' } });
    expect(seenIds).toHaveLength(2);
    for (const id of seenIds) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(seenIds[0]).not.toBe(seenIds[1]);
  });
});

describe('errors on the server', () => {
  it('hides an unexpected error behind a generic internal error and logs the real one with the request id', async () => {
    const { logger, client } = setup(failing(new Error('password authentication failed for user "billing" at 10.0.0.7')));
    const error = await failureOf(client.listRates({ base: 'USD' }, { headers: { [REQUEST_ID_HEADER]: 'req_bug' } }));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe(INTERNAL_ERROR_MESSAGE);
    expect(error.message).not.toContain('password');
    const logged = logger.lines.find((line) => line.level === 'error');
    expect(logged?.message).toBe('unexpected error in handler');
    expect(logged?.fields).toMatchObject({ requestId: 'req_bug', procedure: 'rates.v1.RatesService/ListRates', code: 'internal' });
    expect(JSON.stringify(logged?.fields)).toContain('password authentication failed');
    expect(callLine(logger)?.fields.code).toBe('internal');
  });

  it('passes a deliberate ConnectError through unchanged, without an error line', async () => {
    const { logger, client } = setup(failing(new ConnectError('unknown currency "XYZ"', Code.InvalidArgument)));
    const error = await failureOf(client.listRates({ base: 'XYZ' }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('unknown currency "XYZ"');
    expect(callLine(logger)?.fields.code).toBe('invalid_argument');
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
  });

  it('answers a domain error with the code and message its service\'s mapper gives it', async () => {
    const { logger, client } = setup(failing(new OutOfStock('widgets')), [shopErrors]);
    const error = await failureOf(client.listRates({}));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toBe('out of stock: widgets');
    expect(callLine(logger)?.fields.code).toBe('failed_precondition');
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
  });

  it('asks the mappers in order and uses the first that knows the error', async () => {
    const everything: ErrorMapper = () => ({ code: Code.NotFound, message: 'second mapper' });
    const { client } = setup(failing(new OutOfStock('gears')), [shopErrors, everything]);
    expect((await failureOf(client.listRates({}))).code).toBe(Code.FailedPrecondition);
    const { client: other } = setup(failing(new Error('anything')), [shopErrors, everything]);
    expect((await failureOf(other.listRates({}))).rawMessage).toBe('second mapper');
  });

  it('logs the cause of a mapped unavailable with the request id, and tells the caller only the mapped words', async () => {
    const { logger, client } = setup(failing(new VendorDown('connect ECONNREFUSED 10.9.8.7:443')), [shopErrors]);
    const error = await failureOf(client.listRates({}, { headers: { [REQUEST_ID_HEADER]: 'req_outage' } }));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('the vendor is unavailable');
    expect(error.message).not.toContain('10.9.8.7');
    const warning = logger.lines.find((line) => line.level === 'warn');
    expect(warning?.message).toBe('call answered unavailable');
    expect(warning?.fields).toMatchObject({
      requestId: 'req_outage', code: 'unavailable', err: { type: 'Error', message: 'connect ECONNREFUSED 10.9.8.7:443' },
    });
  });

  it('logs the cause carried by a deliberate unavailable ConnectError', async () => {
    const cause = Object.assign(new Error('deadline exceeded talking to rates'), { code: 'ETIMEDOUT' });
    const thrown = new ConnectError('exchange rates are unavailable', Code.Unavailable, undefined, undefined, cause);
    const { logger, client } = setup(failing(thrown));
    const error = await failureOf(client.listRates({}, { headers: { [REQUEST_ID_HEADER]: 'req_rates' } }));
    expect(error.rawMessage).toBe('exchange rates are unavailable');
    const warning = logger.lines.find((line) => line.level === 'warn');
    expect(warning?.fields).toMatchObject({ requestId: 'req_rates', err: { message: 'deadline exceeded talking to rates', code: 'ETIMEDOUT' } });
  });

  it('never sends the words of an error mapped to internal, and logs them as an error', async () => {
    const bug: ErrorMapper = () => ({ code: Code.Internal, message: 'item li_1 is missing from table line_items' });
    const { logger, client } = setup(failing(new Error('inconsistent state')), [bug]);
    const error = await failureOf(client.listRates({}));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe(INTERNAL_ERROR_MESSAGE);
    const logged = logger.lines.find((line) => line.level === 'error');
    expect(logged?.message).toBe('call answered internal');
    expect(JSON.stringify(logged?.fields)).toContain('inconsistent state');
  });

  it('maps an error that ends a server stream, and logs the stream\'s outcome when it ends', async () => {
    const logger = recordingLogger();
    const transport = createRouterTransport(
      (router) => router.service(health.Health, {
        // eslint-disable-next-line require-yield
        async *watch() {
          throw new VendorDown('stream source went away');
        },
      }),
      { router: { interceptors: [serverInterceptor({ logger, errorMappers: [shopErrors] })] } },
    );
    const client = createClient(health.Health, transport);
    const error = await failureOf((async () => {
      for await (const _update of client.watch({})) { /* the stream fails before its first message */ }
    })());
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('the vendor is unavailable');
    expect(callLine(logger)?.fields).toMatchObject({ procedure: 'grpc.health.v1.Health/Watch', code: 'unavailable' });
    expect(JSON.stringify(logger.lines.find((line) => line.level === 'warn')?.fields)).toContain('stream source went away');
  });
});

describe('mappers of one service', () => {
  class Busy extends Error {}
  const busyAs = (what: string): ErrorMapper => (error) => (error instanceof Busy ? { code: Code.ResourceExhausted, message: `${what} is busy` } : undefined);

  it('words a failure by the service called, before the server\'s mappers, and leaves other services to theirs', async () => {
    const logger = recordingLogger();
    const transport = createRouterTransport(
      (router) => {
        router.service(RatesService, { getRate: failing(new Busy()), listRates: failing(new VendorDown()) });
        router.service(health.Health, { check: failing(new Busy()) });
      },
      {
        router: {
          interceptors: [serverInterceptor({
            logger, errorMappers: [busyAs('the server'), shopErrors], serviceErrorMappers: new Map([[RatesService.typeName, [busyAs('the rate')]]]),
          })],
        },
      },
    );
    const rates = createClient(RatesService, transport);
    expect((await failureOf(rates.getRate({}))).rawMessage).toBe('the rate is busy');
    // Not known to the service's own mapper: the server's still decide.
    expect((await failureOf(rates.listRates({}))).rawMessage).toBe('the vendor is unavailable');
    expect((await failureOf(createClient(health.Health, transport).check({}))).rawMessage).toBe('the server is busy');
  });
});

