import { Code } from '@connectrpc/connect';
import { RatesService, health } from '@billing/contracts';
import { REQUEST_ID_HEADER, metricsRegistry } from '@billing/runtime';
import { parsePrometheusText, sampleSum } from '@billing/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcClient } from './client.ts';
import { createGrpcServer, serve, type GrpcServer } from './server.ts';
import { grpcurl } from '@billing/devstack';
import { failureOf } from './testing/connect-error.ts';
import { recordingLogger } from './testing/recording-logger.ts';

const { HealthCheckResponse_ServingStatus: Status } = health;

class UnknownPair extends Error {}

// A real server on a free loopback port, called by a real gRPC client and by the real grpcurl.
describe('createGrpcServer on a real port', () => {
  const logger = recordingLogger();
  let dependencyUp = true;
  let server: GrpcServer;
  let address: string;

  beforeAll(async () => {
    server = await createGrpcServer({
      services: [
        serve(RatesService, {
          getRate: (request) => {
            if (request.quote === 'XXX') throw new UnknownPair(`no rate for ${request.base}/${request.quote}`);
            return { rate: { base: request.base, quote: request.quote, rate: '2.7150', source: 'test' } };
          },
          listRates: () => {
            throw new Error('select * from secrets failed');
          },
        }),
      ],
      errorMappers: [(error) => (error instanceof UnknownPair ? { code: Code.NotFound, message: error.message } : undefined)],
      healthChecks: { dependency: async () => dependencyUp },
      healthWatchIntervalMs: 20,
      logger,
      port: 0,
      host: '127.0.0.1',
    });
    address = `127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.close();
  });

  it('listens on the free port it picked', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers a real gRPC client and echoes its request id', async () => {
    const client = createGrpcClient(RatesService, `http://${address}`, { requestId: () => 'req_kit_test' });
    let echoed: string | null = null;
    const response = await client.getRate(
      { base: 'USD', quote: 'GEL' },
      { onHeader: (headers) => (echoed = headers.get(REQUEST_ID_HEADER)) },
    );
    expect(response.rate?.rate).toBe('2.7150');
    expect(echoed).toBe('req_kit_test');
    const line = logger.lines.find((entry) => entry.message === 'grpc call' && entry.fields.requestId === 'req_kit_test');
    expect(line?.fields).toMatchObject({ procedure: 'rates.v1.RatesService/GetRate', code: 'ok' });
  });

  it('answers a domain error with the code its service maps it to', async () => {
    const client = createGrpcClient(RatesService, `http://${address}`);
    const error = await failureOf(client.getRate({ base: 'USD', quote: 'XXX' }));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe('no rate for USD/XXX');
  });

  it('turns an unexpected handler error into a bare internal error for the client', async () => {
    const client = createGrpcClient(RatesService, `http://${address}`);
    const error = await failureOf(client.listRates({}));
    expect(error.code).toBe(Code.Internal);
    expect(error.message).not.toContain('secrets');
  });

  it('counts every call with its duration by service, method and answered code', async () => {
    const client = createGrpcClient(RatesService, `http://${address}`);
    const service = RatesService.typeName;
    const scrape = async () => parsePrometheusText(await metricsRegistry.metrics());
    const count = (text: Awaited<ReturnType<typeof scrape>>, method: string, code: string) => ({
      requests: sampleSum(text, 'rpc_server_requests_total', { service, method, code }),
      observed: sampleSum(text, 'rpc_server_duration_seconds_count', { service, method, code }),
      inf: sampleSum(text, 'rpc_server_duration_seconds_bucket', { service, method, code, le: '+Inf' }),
    });
    const before = await scrape();
    await client.getRate({ base: 'USD', quote: 'GEL' });
    await client.getRate({ base: 'USD', quote: 'GEL' });
    await failureOf(client.getRate({ base: 'USD', quote: 'XXX' }));
    await failureOf(client.listRates({}));
    const after = await scrape();

    const moved = (method: string, code: string) => {
      const [was, now] = [count(before, method, code), count(after, method, code)];
      return { requests: now.requests - was.requests, observed: now.observed - was.observed, inf: now.inf - was.inf };
    };
    expect(moved('GetRate', 'ok')).toEqual({ requests: 2, observed: 2, inf: 2 });
    expect(moved('GetRate', 'not_found')).toEqual({ requests: 1, observed: 1, inf: 1 });
    expect(moved('ListRates', 'internal')).toEqual({ requests: 1, observed: 1, inf: 1 });
    // Explicit buckets: the histogram's boundaries are the documented ones, not prom-client's defaults.
    const bounds = after.samples
      .filter((sample) => sample.name === 'rpc_server_duration_seconds_bucket' && sample.labels.method === 'GetRate' && sample.labels.code === 'ok')
      .map((sample) => sample.labels.le);
    expect(bounds).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  });

  it('lists its services to grpcurl through reflection', async () => {
    const result = await grpcurl(address, ['list']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n').sort()).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'rates.v1.RatesService',
    ]);
  });

  it('describes a service and a message to grpcurl', async () => {
    const service = await grpcurl(address, ['describe', 'rates.v1.RatesService']);
    expect(service.exitCode).toBe(0);
    expect(service.stdout).toContain('rpc GetRate ( .rates.v1.GetRateRequest ) returns ( .rates.v1.GetRateResponse );');
    const message = await grpcurl(address, ['describe', 'rates.v1.GetRateRequest']);
    expect(message.stdout).toContain('.google.protobuf.Timestamp at = 3;');
  });

  it('calls a method from grpcurl with JSON', async () => {
    const result = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'GEL' } });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ rate: { base: 'USD', quote: 'GEL', rate: '2.7150', source: 'test' } });
  });

  it('reports health to grpcurl: SERVING, NOT_SERVING while a dependency is down, NotFound for strangers', async () => {
    const up = await grpcurl(address, ['grpc.health.v1.Health/Check']);
    expect(JSON.parse(up.stdout)).toEqual({ status: 'SERVING' });
    dependencyUp = false;
    const down = await grpcurl(address, ['grpc.health.v1.Health/Check'], { data: { service: 'rates.v1.RatesService' } });
    expect(JSON.parse(down.stdout)).toEqual({ status: 'NOT_SERVING' });
    dependencyUp = true;
    const unknown = await grpcurl(address, ['grpc.health.v1.Health/Check'], { data: { service: 'nope.v1.Nope' } });
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toContain('NotFound');
  });
});

describe('closing a server', () => {
  it('tells health watchers NOT_SERVING, ends their streams, and stops listening', async () => {
    const server = await createGrpcServer({ services: [], logger: recordingLogger(), port: 0, host: '127.0.0.1' });
    const client = createGrpcClient(health.Health, `http://127.0.0.1:${server.port}`, { timeoutMs: 10_000 });
    const seen: number[] = [];
    const watching = (async () => {
      for await (const update of client.watch({ service: '' })) {
        seen.push(update.status);
        if (seen.length === 1) void server.close();
      }
    })();
    await watching;
    await server.close();
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING]);
    const after = await failureOf(client.check({}));
    expect(after.code).toBe(Code.Unavailable);
  });

  it('refuses to start on a port that is taken', async () => {
    const first = await createGrpcServer({ services: [], logger: recordingLogger(), port: 0, host: '127.0.0.1' });
    try {
      await expect(
        createGrpcServer({ services: [], logger: recordingLogger(), port: first.port, host: '127.0.0.1' }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
