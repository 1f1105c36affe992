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
});
