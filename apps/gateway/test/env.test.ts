import { EnvError } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { readGatewayEnv } from '../src/env.ts';

describe('readGatewayEnv', () => {
  const TOKEN = 'a-service-credential-of-32-characters';
  it('uses the documented defaults when only DATABASE_URL and BILLING_SERVICE_TOKEN are set', () => {
    expect(readGatewayEnv({ DATABASE_URL: 'postgres://db/billing', BILLING_SERVICE_TOKEN: TOKEN })).toEqual({
      GATEWAY_PORT: 3000,
      GATEWAY_HOST: '0.0.0.0',
      BILL_SERVICE_URL: 'http://127.0.0.1:50051',
      RATES_SERVICE_URL: 'http://127.0.0.1:50052',
      GRPC_TIMEOUT: 10_000,
      LOG_LEVEL: 'info',
      METRICS_PORT: 9464,
      DATABASE_URL: 'postgres://db/billing',
      DATABASE_POOL_MAX: 10,
      IDEMPOTENCY_TTL: 86_400_000,
      BILLING_ADMIN_API_KEY: undefined,
      RATE_LIMIT_PER_MINUTE: 6_000,
      API_KEY_CACHE_TTL: 1_000,
      BILLING_SERVICE_TOKEN: TOKEN,
    });
  });

  it('names every bad variable', () => {
    try {
      readGatewayEnv({ GATEWAY_PORT: '99999', METRICS_PORT: '-1', GRPC_TIMEOUT: 'soon', LOG_LEVEL: 'loud', IDEMPOTENCY_TTL: 'forever' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const problems = (error as EnvError).problems.join('\n');
      expect(problems).toContain('GATEWAY_PORT');
      expect(problems).toContain('METRICS_PORT must be a whole number, got "-1"');
      expect(problems).toContain('GRPC_TIMEOUT');
      expect(problems).toContain('LOG_LEVEL');
      expect(problems).toContain('IDEMPOTENCY_TTL');
      expect(problems).toContain('DATABASE_URL is required');
      expect(problems).toContain('BILLING_SERVICE_TOKEN is required');
    }
  });

  it.each([
    ['GRPC_TIMEOUT', '0s', 'between 100ms and 5m'],
    ['GRPC_TIMEOUT', '1h', 'between 100ms and 5m'],
    ['IDEMPOTENCY_TTL', '30s', 'between 1m and 30d'],
    ['IDEMPOTENCY_TTL', '365d', 'between 1m and 30d'],
    ['DATABASE_POOL_MAX', '0', 'between 1 and 100'],
    ['DATABASE_POOL_MAX', '65535', 'between 1 and 100'],
    ['RATE_LIMIT_PER_MINUTE', '0', 'between 1 and 1000000'],
    ['API_KEY_CACHE_TTL', '10s', 'between 0ms and 5s'],
  ])('keeps %s within its bounds: refuses %s', (name, value, bounds) => {
    expect(() => readGatewayEnv({ DATABASE_URL: 'postgres://db/billing', BILLING_SERVICE_TOKEN: TOKEN, [name]: value }))
      .toThrow(`${name} must be ${bounds}, got ${value}`);
  });

  it('refuses an admin key shorter than 32 characters without printing it', () => {
    const read = () => readGatewayEnv({ DATABASE_URL: 'postgres://db/billing', BILLING_SERVICE_TOKEN: TOKEN, BILLING_ADMIN_API_KEY: 'hunter2' });
    expect(read).toThrow('BILLING_ADMIN_API_KEY must be at least 32 characters long');
    expect(read).not.toThrow(/hunter2/);
  });
});
