import { DEFAULT_UNITS } from '@billing/money';
import { EnvError } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { readRatesEnv } from './env.ts';
import { createRateProvider } from './providers/create-provider.ts';

const TOKEN = { BILLING_SERVICE_TOKEN: 'a-service-credential-of-32-characters' };

describe('rates-service environment', () => {
  it('has defaults for everything but the service credential', () => {
    expect(readRatesEnv(TOKEN)).toEqual({
      RATES_SERVICE_PORT: 50052,
      RATES_SERVICE_HOST: '0.0.0.0',
      RATES_PROVIDER: 'static',
      RATES_STATIC_FILE: undefined,
      RATES_CACHE_TTL: 300_000,
      RATES_MAX_STALENESS: 86_400_000,
      RATES_PROVIDER_TIMEOUT: 5_000,
      RATES_PROVIDER_RETRY_AFTER: 10_000,
      OPENEXCHANGERATES_APP_ID: undefined,
      OPENEXCHANGERATES_BASE_URL: 'https://openexchangerates.org/api',
      ECB_BASE_URL: 'https://www.ecb.europa.eu/stats/eurofxref',
      LEDGER_UNITS: DEFAULT_UNITS,
      LOG_LEVEL: 'info',
      METRICS_PORT: 9466,
      BILLING_SERVICE_TOKEN: TOKEN.BILLING_SERVICE_TOKEN,
    });
  });

  it('registers the units LEDGER_UNITS lists, and refuses a bad entry naming the variable', () => {
    expect([...readRatesEnv({ ...TOKEN, LEDGER_UNITS: 'GOLD:3,MILES:0' }).LEDGER_UNITS.units.keys()]).toEqual(['GOLD', 'MILES']);
    expect(() => readRatesEnv({ ...TOKEN, LEDGER_UNITS: 'BTC:8,EUR:2' }))
      .toThrow('LEDGER_UNITS: unit entry 2 ("EUR:2") reuses EUR, which is an ISO 4217 currency; pick another code');
  });

  it.each([
    ['BTC:99', 'LEDGER_UNITS: unit entry 1 ("BTC:99") has the exponent "99"'],
    ['BTC', 'LEDGER_UNITS: unit entry 1 ("BTC") must look like CODE:EXPONENT'],
    ['btc:8', 'LEDGER_UNITS: unit entry 1 ("btc:8") has the code "btc"'],
  ])('refuses LEDGER_UNITS=%s naming the variable and the entry', (value, problem) => {
    expect(() => readRatesEnv({ ...TOKEN, LEDGER_UNITS: value })).toThrow(problem);
  });

  it('requires a service credential of at least 32 characters, without echoing it', () => {
    expect(() => readRatesEnv({})).toThrow('BILLING_SERVICE_TOKEN is required');
    expect(() => readRatesEnv({ BILLING_SERVICE_TOKEN: 'short-secret' })).toThrow('BILLING_SERVICE_TOKEN must be at least 32 characters long');
    expect(() => readRatesEnv({ BILLING_SERVICE_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('names each bad variable', () => {
    const read = () => readRatesEnv({ ...TOKEN, RATES_PROVIDER: 'yahoo', RATES_CACHE_TTL: 'soon', RATES_SERVICE_PORT: '99999' });
    expect(read).toThrow(EnvError);
    expect(read).toThrow(/RATES_PROVIDER must be one of static, openexchangerates, ecb, got "yahoo"/);
    expect(read).toThrow(/RATES_CACHE_TTL must be a duration/);
    expect(read).toThrow(/RATES_SERVICE_PORT must be between 0 and 65535/);
  });

  it.each([
    ['RATES_PROVIDER_TIMEOUT', '0ms', 'between 100ms and 1m'],
    ['RATES_PROVIDER_TIMEOUT', '30d', 'between 100ms and 1m'],
    ['RATES_CACHE_TTL', '2d', 'between 0ms and 24h'],
    ['RATES_MAX_STALENESS', '365d', 'between 0ms and 30d'],
    ['RATES_PROVIDER_RETRY_AFTER', '2h', 'between 0ms and 1h'],
  ])('keeps %s within its bounds: refuses %s', (name, value, bounds) => {
    expect(() => readRatesEnv({ ...TOKEN, [name]: value })).toThrow(`${name} must be ${bounds}, got ${value}`);
  });

  it('refuses openexchangerates without OPENEXCHANGERATES_APP_ID', async () => {
    const failure = createRateProvider({ provider: 'openexchangerates' });
    await expect(failure).rejects.toThrow(EnvError);
    await expect(failure).rejects.toThrow('OPENEXCHANGERATES_APP_ID is required when RATES_PROVIDER is "openexchangerates"');
  });

  it('refuses a base URL that is not http(s)', async () => {
    await expect(createRateProvider({ provider: 'ecb', ecb: { baseUrl: 'ftp://ecb.example' } })).rejects.toThrow(
      'ECB_BASE_URL must be an http(s) URL, got "ftp://ecb.example"',
    );
    await expect(createRateProvider({ provider: 'openexchangerates', openExchangeRates: { appId: 'x', baseUrl: 'not a url' } }))
      .rejects.toThrow('OPENEXCHANGERATES_BASE_URL must be an http(s) URL');
  });

  it('builds the network providers behind the cache', async () => {
    const ecb = await createRateProvider({ provider: 'ecb' });
    const oxr = await createRateProvider({ provider: 'openexchangerates', openExchangeRates: { appId: 'x' } });
    expect([ecb.name, oxr.name]).toEqual(['ecb', 'openexchangerates']);
    expect(ecb.snapshotKey?.()).toBe('latest');
  });
});
