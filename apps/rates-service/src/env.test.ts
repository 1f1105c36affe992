import { EnvError } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { readRatesEnv } from './env.ts';
import { createRateProvider } from './providers/create-provider.ts';

describe('rates-service environment', () => {
  it('has defaults for everything', () => {
    expect(readRatesEnv({})).toEqual({
      RATES_SERVICE_PORT: 50052,
      RATES_SERVICE_HOST: '0.0.0.0',
      RATES_PROVIDER: 'static',
      RATES_STATIC_FILE: undefined,
      RATES_CACHE_TTL: 300_000,
      RATES_MAX_STALENESS: 86_400_000,
      LOG_LEVEL: 'info',
    });
  });

  it('names each bad variable', () => {
    const read = () => readRatesEnv({ RATES_PROVIDER: 'yahoo', RATES_CACHE_TTL: 'soon', RATES_SERVICE_PORT: '99999' });
    expect(read).toThrow(EnvError);
    expect(read).toThrow(/RATES_PROVIDER must be one of static, openexchangerates, ecb, got "yahoo"/);
    expect(read).toThrow(/RATES_CACHE_TTL must be a duration/);
    expect(read).toThrow(/RATES_SERVICE_PORT must be between 0 and 65535/);
  });

  it.each(['openexchangerates', 'ecb'] as const)('refuses to start with the provider %s, which is not available yet', async (provider) => {
    const failure = createRateProvider({ provider });
    await expect(failure).rejects.toThrow(EnvError);
    await expect(failure).rejects.toThrow(`RATES_PROVIDER "${provider}" is not available yet`);
  });
});
