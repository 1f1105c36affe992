import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Code } from '@connectrpc/connect';
import { RatesService, health } from '@billing/contracts';
import { recordSpans, type SpanRecorder } from '@billing/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcClient } from './client.ts';
import { createGrpcServer, serve, type GrpcServer } from './server.ts';
import { failureOf } from './testing/connect-error.ts';
import { recordingLogger } from './testing/recording-logger.ts';

class UnknownPair extends Error {}

// Two real servers on loopback: `front` answers ListRates by calling `back`'s GetRate, so one
// call from the test crosses two client/server pairs, the way the gateway reaches bill-service
// and bill-service reaches rates-service.
describe('the client and server interceptor pair over real gRPC', () => {
  let spans: SpanRecorder;
  let back: GrpcServer;
  let front: GrpcServer;
  const seenTraceparents: Array<string | null> = [];

  beforeAll(async () => {
    spans = recordSpans();
    back = await createGrpcServer({
      services: [serve(RatesService, {
        getRate: (request, context) => {
          seenTraceparents.push(context.requestHeader.get('traceparent'));
          if (request.quote === 'XXX') throw new UnknownPair('no such pair');
          if (request.quote === 'ERR') throw new Error('the rate table is corrupt');
          return { rate: { base: request.base, quote: request.quote, rate: '2.7150', source: 'test' } };
        },
        listRates: () => ({}),
      })],
      errorMappers: [(error) => (error instanceof UnknownPair ? { code: Code.NotFound, message: error.message } : undefined)],
      logger: recordingLogger(), port: 0, host: '127.0.0.1',
    });
    const backClient = createGrpcClient(RatesService, `http://127.0.0.1:${back.port}`);
    front = await createGrpcServer({
      services: [serve(RatesService, {
        getRate: () => ({}),
        listRates: async (request) => {
          const answer = await backClient.getRate({ base: request.base, quote: 'GEL' });
          return { base: request.base, rates: { GEL: answer.rate?.rate ?? '' } };
        },
      })],
      logger: recordingLogger(), port: 0, host: '127.0.0.1',
    });
  });

  afterAll(async () => {
    await front.close();
    await back.close();
    await spans.stop();
  });

  const named = (name: string) => spans.finished().filter((span) => span.name === name);

  it('continues the caller\'s trace through both hops, each server span a child of its client span', async () => {
    const client = createGrpcClient(RatesService, `http://127.0.0.1:${front.port}`);
    const traceId = await trace.getTracer('test').startActiveSpan('test root', async (span) => {
      await client.listRates({ base: 'USD' });
      span.end();
      return span.spanContext().traceId;
    });
    const inTrace = spans.finished().filter((span) => span.spanContext().traceId === traceId);
    const parentOf = (span: (typeof inTrace)[number]) => inTrace.find((other) => other.spanContext().spanId === span.parentSpanContext?.spanId);
    const chain: string[] = [];
    const deepest = inTrace.find((span) => span.name === 'rates.v1.RatesService/GetRate' && span.kind === SpanKind.SERVER);
    for (let span = deepest; span; span = parentOf(span)) chain.unshift(`${SpanKind[span.kind]} ${span.name}`);
    expect(chain).toEqual([
      'INTERNAL test root',
      'CLIENT rates.v1.RatesService/ListRates',
      'SERVER rates.v1.RatesService/ListRates',
      'CLIENT rates.v1.RatesService/GetRate',
      'SERVER rates.v1.RatesService/GetRate',
    ]);
    // The W3C header itself went over the wire: version, this trace, the client span, sampled.
    const client2 = inTrace.find((span) => span.name === 'rates.v1.RatesService/GetRate' && span.kind === SpanKind.CLIENT);
    expect(seenTraceparents.at(-1)).toBe(`00-${traceId}-${client2?.spanContext().spanId}-01`);
    for (const span of inTrace.filter((one) => one.name.startsWith('rates.v1.'))) {
      expect(span.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': 'rates.v1.RatesService', 'rpc.grpc.status_code': 0 });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('starts a new trace at the client when no span is active, which the server continues', async () => {
    const client = createGrpcClient(RatesService, `http://127.0.0.1:${back.port}`);
    await client.getRate({ base: 'EUR', quote: 'GEL' });
    const clientSpan = named('rates.v1.RatesService/GetRate').findLast((span) => span.kind === SpanKind.CLIENT);
    const serverSpan = named('rates.v1.RatesService/GetRate').findLast((span) => span.kind === SpanKind.SERVER);
    expect(clientSpan?.parentSpanContext).toBeUndefined();
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(serverSpan?.spanContext().traceId).toBe(clientSpan?.spanContext().traceId);
  });

  it('marks a caller\'s mistake an error of the client span only, and a server fault an error of both', async () => {
    const client = createGrpcClient(RatesService, `http://127.0.0.1:${back.port}`);
    expect((await failureOf(client.getRate({ base: 'USD', quote: 'XXX' }))).code).toBe(Code.NotFound);
    const notFound = named('rates.v1.RatesService/GetRate').slice(-2);
    expect(notFound.map((span) => [SpanKind[span.kind], span.attributes['rpc.grpc.status_code'], span.status.code]).sort()).toEqual([
      ['CLIENT', Code.NotFound, SpanStatusCode.ERROR],
      ['SERVER', Code.NotFound, SpanStatusCode.UNSET],
    ]);

    expect((await failureOf(client.getRate({ base: 'USD', quote: 'ERR' }))).code).toBe(Code.Internal);
    const internal = named('rates.v1.RatesService/GetRate').slice(-2);
    expect(internal.map((span) => [SpanKind[span.kind], span.attributes['rpc.grpc.status_code'], span.status.code]).sort()).toEqual([
      ['CLIENT', Code.Internal, SpanStatusCode.ERROR],
      ['SERVER', Code.Internal, SpanStatusCode.ERROR],
    ]);
  });

  it('ends a streamed call\'s spans when the caller cancels it, the server\'s a child of the client\'s', async () => {
    const client = createGrpcClient(health.Health, `http://127.0.0.1:${back.port}`);
    const watching = new AbortController();
    for await (const answer of client.watch({ service: '' }, { signal: watching.signal })) {
      expect(answer.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
      expect(named('grpc.health.v1.Health/Watch')).toEqual([]);
      break;
    }
    watching.abort();
    const deadline = Date.now() + 5_000;
    while (named('grpc.health.v1.Health/Watch').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const clientSpan = named('grpc.health.v1.Health/Watch').find((span) => span.kind === SpanKind.CLIENT);
    const serverSpan = named('grpc.health.v1.Health/Watch').find((span) => span.kind === SpanKind.SERVER);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    // The caller hung up: its span says so, and the server, which ended the stream, did no wrong.
    expect(clientSpan?.attributes['rpc.grpc.status_code']).toBe(Code.Canceled);
    expect(serverSpan?.status.code).toBe(SpanStatusCode.UNSET);
  });
});
