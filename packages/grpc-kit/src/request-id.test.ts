import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { RatesService } from '@billing/contracts';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { INTERNAL_ERROR_MESSAGE } from './errors.ts';
import { forwardRequestId, requestIdInterceptor, requestIdOf } from './request-id.ts';
import { failureOf } from './testing/connect-error.ts';
import { recordingLogger } from './testing/recording-logger.ts';

// RatesService is just a convenient unary contract here; the behaviour under test is the kit's.
function setup(listRates: (base: string, requestId: string) => void) {
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
    { router: { interceptors: [requestIdInterceptor(logger)] } },
  );
  return { logger, seenIds, transport };
}

describe('request id on the server', () => {
  it('hands the caller\'s x-request-id to the handler and logs one line for the call', async () => {
    const { logger, seenIds, transport } = setup(() => {});
    const client = createClient(RatesService, transport);
    await client.getRate({ base: 'USD', quote: 'GEL' }, { headers: { [REQUEST_ID_HEADER]: 'req_from_gateway' } });
    expect(seenIds).toEqual(['req_from_gateway']);
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
    const { seenIds, transport } = setup(() => {});
    const client = createClient(RatesService, transport);
    await client.getRate({});
    await client.getRate({}, { headers: { [REQUEST_ID_HEADER]: '<script> spaces & all' } });
    expect(seenIds).toHaveLength(2);
    for (const id of seenIds) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(seenIds[0]).not.toBe(seenIds[1]);
  });

  it('hides an unexpected error behind a generic internal error and logs the real one', async () => {
    const { logger, transport } = setup(() => {
      throw new Error('password authentication failed for user "billing" at 10.0.0.7');
    });
    const client = createClient(RatesService, transport);
    const error = await failureOf(client.listRates({ base: 'USD' }));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe(INTERNAL_ERROR_MESSAGE);
    expect(error.message).not.toContain('password');
    const logged = logger.lines.find((line) => line.level === 'error');
    expect(JSON.stringify(logged?.fields)).toContain('password authentication failed');
    expect(logger.lines.find((line) => line.message === 'grpc call')?.fields.code).toBe('internal');
  });

  it('passes a deliberate ConnectError through unchanged', async () => {
    const { logger, transport } = setup(() => {
      throw new ConnectError('unknown currency "XYZ"', Code.InvalidArgument);
    });
    const client = createClient(RatesService, transport);
    const error = await failureOf(client.listRates({ base: 'XYZ' }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('unknown currency "XYZ"');
    expect(logger.lines.find((line) => line.message === 'grpc call')?.fields.code).toBe('invalid_argument');
  });
});

describe('request id on the client', () => {
  it('forwards the current request id as metadata unless the call sets its own', async () => {
    const received: string[] = [];
    let current: string | undefined = 'req_outer';
    const transport = createRouterTransport(
      (router) =>
        router.service(RatesService, {
          listRates(request, context) {
            received.push(context.requestHeader.get(REQUEST_ID_HEADER) ?? 'none');
            return { base: request.base };
          },
        }),
      { transport: { interceptors: [forwardRequestId(() => current)] } },
    );
    const client = createClient(RatesService, transport);
    await client.listRates({});
    await client.listRates({}, { headers: { [REQUEST_ID_HEADER]: 'req_explicit' } });
    current = undefined;
    await client.listRates({});
    expect(received).toEqual(['req_outer', 'req_explicit', 'none']);
  });
});
