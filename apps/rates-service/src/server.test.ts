import { health } from '@billing/contracts';
import { createGrpcClient, type GrpcServer } from '@billing/grpc-kit';
import { grpcurl, recordingLogger } from '@billing/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRatesServer } from './app.ts';
import type { RateProvider } from './providers/port.ts';
import { loadStaticProvider } from './providers/static.ts';

// The real service on a free loopback port, asked by the real grpcurl binary.
describe('rates-service over real gRPC', () => {
  let server: GrpcServer;
  let address: string;

  beforeAll(async () => {
    server = await startRatesServer({
      provider: await loadStaticProvider(),
      logger: recordingLogger(),
      port: 0,
      host: '127.0.0.1',
    });
    address = `127.0.0.1:${server.port}`;
  });

  afterAll(() => server.close());

  it('lists rates.v1.RatesService to grpcurl', async () => {
    const result = await grpcurl(address, ['list']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')).toContain('rates.v1.RatesService');
  });

  it('answers grpcurl GetRate USD→GEL with the rate as a string', async () => {
    const result = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'GEL' } });
    expect(result.exitCode).toBe(0);
    const { rate } = JSON.parse(result.stdout) as { rate: Record<string, unknown> };
    expect(rate).toMatchObject({ base: 'USD', quote: 'GEL', rate: '2.7150', asOf: '2026-11-02T00:00:00Z' });
    expect(typeof rate.rate).toBe('string');
  });

  it('answers grpcurl with InvalidArgument for an unknown currency', async () => {
    const result = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'XYZ' } });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Code: InvalidArgument');
    expect(result.stderr).toContain('unknown currency "XYZ" in quote');
  });

  it('answers grpcurl with InvalidArgument saying a registered unit is not fiat', async () => {
    const result = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'POINTS' } });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Code: InvalidArgument');
    expect(result.stderr).toContain('POINTS in quote is a registered non-fiat unit; rates take ISO 4217 currencies only');
  });

  it('reports SERVING to a grpcurl health check', async () => {
    const result = await grpcurl(address, ['grpc.health.v1.Health/Check'], { data: { service: 'rates.v1.RatesService' } });
    expect(JSON.parse(result.stdout)).toEqual({ status: 'SERVING' });
  });
});

describe('rates-service health', () => {
  it('is NOT_SERVING while its provider cannot answer, and SERVING again once it can', async () => {
    let up = false;
    const shipped = await loadStaticProvider();
    const provider: RateProvider = {
      name: 'flaky',
      snapshot: async () => {
        if (!up) throw new Error('provider down');
        return shipped.snapshot();
      },
    };
    const server = await startRatesServer({ provider, logger: recordingLogger(), port: 0, host: '127.0.0.1' });
    try {
      const client = createGrpcClient(health.Health, `http://127.0.0.1:${server.port}`);
      expect((await client.check({ service: 'rates.v1.RatesService' })).status).toBe(health.HealthCheckResponse_ServingStatus.NOT_SERVING);
      up = true;
      expect((await client.check({ service: 'rates.v1.RatesService' })).status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      await server.close();
    }
  });
});
