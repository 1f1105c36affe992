import { health } from '@billing/contracts';
import { createGrpcClient, type GrpcServer } from '@billing/grpc-kit';
import { grpcurl } from '@billing/devstack';
import { recordingLogger } from '@billing/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRatesServer } from './app.ts';
import type { RateProvider } from './providers/port.ts';
import { loadStaticProvider } from './providers/static.ts';

const CREDENTIAL = 'rates-service-test-credential-0123456789';
// grpcurl sends the service credential as metadata, the way the README shows.
const WITH_CREDENTIAL = { 'x-billing-service-token': CREDENTIAL };

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
      serviceCredential: CREDENTIAL,
    });
    address = `127.0.0.1:${server.port}`;
  });

  afterAll(() => server.close());

  it('refuses a business call without the service credential, and answers one with it for any customer\'s key', async () => {
    const refused = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'GEL' } });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('Unauthenticated');
    const scoped = await grpcurl(address, ['rates.v1.RatesService/GetRate'], {
      data: { base: 'USD', quote: 'GEL' },
      headers: { ...WITH_CREDENTIAL, 'x-billing-key-id': 'key_c', 'x-billing-customer-id': 'cus_c' },
    });
    expect(scoped.exitCode).toBe(0);
  });

  it('lists rates.v1.RatesService to grpcurl', async () => {
    const result = await grpcurl(address, ['list']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')).toContain('rates.v1.RatesService');
  });

  it('answers grpcurl GetRate USD→GEL with the rate as a string', async () => {
    const result = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'GEL' }, headers: WITH_CREDENTIAL });
    expect(result.exitCode).toBe(0);
    const { rate } = JSON.parse(result.stdout) as { rate: Record<string, unknown> };
    expect(rate).toMatchObject({ base: 'USD', quote: 'GEL', rate: '2.7150', asOf: '2026-11-02T00:00:00Z' });
    expect(typeof rate.rate).toBe('string');
  });

  it('answers grpcurl with InvalidArgument for an unknown currency', async () => {
    const result = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'XYZ' }, headers: WITH_CREDENTIAL });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Code: InvalidArgument');
    expect(result.stderr).toContain('unknown currency "XYZ" in quote');
  });

  it('answers grpcurl with InvalidArgument saying a registered unit is not fiat', async () => {
    const result = await grpcurl(address, ['rates.v1.RatesService/GetRate'], { data: { base: 'USD', quote: 'POINTS' }, headers: WITH_CREDENTIAL });
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
