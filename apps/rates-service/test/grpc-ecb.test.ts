import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { health, RatesService } from '@billing/contracts';
import { createGrpcClient, type GrpcServer } from '@billing/grpc-kit';
import { grpcurl } from '@billing/devstack';
import { failureOf, recordingLogger } from '@billing/grpc-kit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRatesServer } from '../src/app.ts';
import { createRateProvider } from '../src/providers/create-provider.ts';
import { serveEcbFixtures, startFakeProvider, type FakeProvider } from './fake-provider.ts';

// The real rates-service on a loopback port, with RATES_PROVIDER=ecb pointed at the local fake
// ECB, asked over real gRPC (HTTP/2).
const { SERVING, NOT_SERVING } = health.HealthCheckResponse_ServingStatus;

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider('/stats/eurofxref');
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.restore();
  serveEcbFixtures(fake);
});

async function startWithEcb(cache: { ttlMs: number; maxStalenessMs: number }) {
  const logger = recordingLogger();
  const provider = await createRateProvider({
    provider: 'ecb',
    ecb: { baseUrl: fake.url },
    timeoutMs: 1_000,
    cache: { ...cache, retryAfterMs: 0 },
    logger,
  });
  const server = await startRatesServer({ provider, logger, port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${server.port}`;
  return { server, logger, address: `127.0.0.1:${server.port}`, rates: createGrpcClient(RatesService, url), health: createGrpcClient(health.Health, url) };
}

describe('rates-service with the ecb provider over gRPC', () => {
  let service: Awaited<ReturnType<typeof startWithEcb>>;
  let server: GrpcServer;
  beforeAll(async () => {
    // TTL 0: every call asks the fake ECB, so the outage below is served by the staleness rule.
    service = await startWithEcb({ ttlMs: 0, maxStalenessMs: 86_400_000 });
    server = service.server;
  });
  afterAll(() => server.close());

  it('answers GetRate USD→JPY as the exact cross rate through EUR, with the ECB day as as-of', async () => {
    const { rate } = await service.rates.getRate({ base: 'USD', quote: 'JPY' });
    expect(rate?.rate).toBe('156.321047193');
    expect(rate?.source).toBe('ecb: euro foreign exchange reference rates of 2026-11-20');
    expect(rate?.asOf && timestampDate(rate.asOf).toISOString()).toBe('2026-11-20T15:00:00.000Z');
  });

  it('answers GetRate at a past Sunday with the rate in force then: the Friday before', async () => {
    const at = timestampFromDate(new Date('2026-11-15T09:30:00Z'));
    const { rate } = await service.rates.getRate({ base: 'EUR', quote: 'USD', at });
    expect(rate?.rate).toBe('1.1577');
    expect(rate?.asOf && timestampDate(rate.asOf).toISOString()).toBe('2026-11-13T15:00:00.000Z');
  });

  it('is INVALID_ARGUMENT for a time before the ECB\'s history and for a currency it does not publish', async () => {
    const early = await failureOf(service.rates.getRate({ base: 'EUR', quote: 'USD', at: timestampFromDate(new Date('1998-01-01T00:00:00Z')) }));
    expect(early.code).toBe(Code.InvalidArgument);
    expect(early.rawMessage).toBe('ecb publishes no rates on or before 1998-01-01');
    const gel = await failureOf(service.rates.getRate({ base: 'USD', quote: 'GEL' }));
    expect(gel.code).toBe(Code.InvalidArgument);
    expect(gel.rawMessage).toBe('no rate for "GEL": the rates provider does not publish it');
  });

  it('answers grpcurl too', async () => {
    const result = await grpcurl(service.address, ['rates.v1.RatesService/GetRate'], { data: { base: 'GBP', quote: 'CHF' } });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rate: { base: 'GBP', quote: 'CHF', rate: '1.05140717204', asOf: '2026-11-20T15:00:00Z' } });
  });

  it('keeps answering, and reports SERVING, from its cache while the ECB is down', async () => {
    fake.override({ status: 503, body: 'down for maintenance', contentType: 'text/plain' });
    const { rate } = await service.rates.getRate({ base: 'EUR', quote: 'USD' });
    expect(rate?.rate).toBe('1.1612');
    expect(rate?.asOf && timestampDate(rate.asOf).toISOString()).toBe('2026-11-20T15:00:00.000Z');
    expect((await service.health.check({ service: 'rates.v1.RatesService' })).status).toBe(SERVING);
    expect(service.logger.lines.map((line) => line.message)).toContain('rates provider failed; serving cached rates');
  });
});

describe('rates-service with the ecb provider and no cache to fall back on', () => {
  it('is UNAVAILABLE and NOT_SERVING while the ECB is down, and recovers by itself when it is back', async () => {
    const service = await startWithEcb({ ttlMs: 0, maxStalenessMs: 0 });
    try {
      fake.override({ status: 500, body: '<html>Internal Server Error</html>', contentType: 'text/html' });
      const down = await failureOf(service.rates.getRate({ base: 'EUR', quote: 'USD' }));
      expect(down.code).toBe(Code.Unavailable);
      expect(down.rawMessage).toBe('exchange rates are unavailable right now');
      expect((await service.health.check({ service: '' })).status).toBe(NOT_SERVING);

      fake.restore();
      expect((await service.rates.getRate({ base: 'EUR', quote: 'USD' })).rate?.rate).toBe('1.1612');
      expect((await service.health.check({ service: '' })).status).toBe(SERVING);
    } finally {
      await service.server.close();
    }
  });
});
