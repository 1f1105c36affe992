import { EnvError } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { readGatewayEnv } from '../src/env.ts';

describe('readGatewayEnv', () => {
  it('uses the documented defaults when only DATABASE_URL is set', () => {
    expect(readGatewayEnv({ DATABASE_URL: 'postgres://db/billing' })).toEqual({
      GATEWAY_PORT: 3000,
      GATEWAY_HOST: '0.0.0.0',
      BILL_SERVICE_URL: 'http://127.0.0.1:50051',
      RATES_SERVICE_URL: 'http://127.0.0.1:50052',
      GRPC_TIMEOUT: 10_000,
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgres://db/billing',
      DATABASE_POOL_MAX: 10,
      IDEMPOTENCY_TTL: 86_400_000,
    });
  });

  it('names every bad variable', () => {
    try {
      readGatewayEnv({ GATEWAY_PORT: '99999', GRPC_TIMEOUT: 'soon', LOG_LEVEL: 'loud', IDEMPOTENCY_TTL: 'forever' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const problems = (error as EnvError).problems.join('\n');
      expect(problems).toContain('GATEWAY_PORT');
      expect(problems).toContain('GRPC_TIMEOUT');
      expect(problems).toContain('LOG_LEVEL');
      expect(problems).toContain('IDEMPOTENCY_TTL');
      expect(problems).toContain('DATABASE_URL is required');
    }
  });

  it.each([
    ['GRPC_TIMEOUT', '0s', 'between 100ms and 5m'],
    ['GRPC_TIMEOUT', '1h', 'between 100ms and 5m'],
    ['IDEMPOTENCY_TTL', '30s', 'between 1m and 30d'],
    ['IDEMPOTENCY_TTL', '365d', 'between 1m and 30d'],
    ['DATABASE_POOL_MAX', '0', 'between 1 and 100'],
    ['DATABASE_POOL_MAX', '65535', 'between 1 and 100'],
  ])('keeps %s within its bounds: refuses %s', (name, value, bounds) => {
    expect(() => readGatewayEnv({ DATABASE_URL: 'postgres://db/billing', [name]: value }))
      .toThrow(`${name} must be ${bounds}, got ${value}`);
  });
});
