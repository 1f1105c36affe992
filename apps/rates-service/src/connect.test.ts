import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, createClient, createRouterTransport } from '@connectrpc/connect';
import { RatesService } from '@billing/contracts';
import { serverInterceptor } from '@billing/grpc-kit';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { failureOf, recordingLogger } from '@billing/grpc-kit/testing';
import { describe, expect, it } from 'vitest';
import { createRatesServiceImpl, ratesErrors } from './connect.ts';
import type { RateProvider } from './providers/port.ts';
import { loadStaticProvider } from './providers/static.ts';
import { createRates } from './rates.ts';

async function clientWith(provider?: RateProvider) {
  const logger = recordingLogger();
  const impl = createRatesServiceImpl({ rates: createRates(provider ?? (await loadStaticProvider())) });
  const transport = createRouterTransport((router) => router.service(RatesService, impl), {
    router: { interceptors: [serverInterceptor({ logger, errorMappers: [ratesErrors] })] },
  });
  return { client: createClient(RatesService, transport), logger };
}

describe('RatesService.GetRate', () => {
  it('answers USD→GEL with the shipped rate as a decimal string, its as-of and source', async () => {
    const { client } = await clientWith();
    const { rate } = await client.getRate({ base: 'USD', quote: 'GEL' });
    expect(rate?.rate).toBe('2.7150');
    expect(rate && rate.asOf && timestampDate(rate.asOf).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(rate?.source).toMatch(/^static: /);
  });

  it('answers a requested time with the static snapshot, whose as-of says how old it is', async () => {
    const { client } = await clientWith();
    const at = timestampFromDate(new Date('2025-03-01T10:00:00Z'));
    const { rate } = await client.getRate({ base: 'EUR', quote: 'JPY', at });
    expect(rate?.asOf && timestampDate(rate.asOf).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(rate?.rate).toMatch(/^\d+\.\d+$/);
  });

  it('is INVALID_ARGUMENT for an unknown currency, naming it', async () => {
    const { client } = await clientWith();
    const error = await failureOf(client.getRate({ base: 'USD', quote: 'XYZ' }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('unknown currency "XYZ" in quote');
  });

  it('is INVALID_ARGUMENT for a registered non-fiat unit, saying it is one', async () => {
    const { client } = await clientWith();
    const error = await failureOf(client.getRate({ base: 'ETH', quote: 'USD' }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('ETH in base is a registered non-fiat unit; rates take ISO 4217 currencies only');
  });

  it('is INVALID_ARGUMENT for a currency the provider does not publish', async () => {
    const { client } = await clientWith();
    const error = await failureOf(client.getRate({ base: 'XAF', quote: 'USD' }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('no rate for "XAF": the rates provider does not publish it');
  });

  it('is UNAVAILABLE without the provider\'s words when the provider fails', async () => {
    const { client, logger } = await clientWith({
      name: 'broken',
      snapshot: async () => {
        throw new Error('connect ECONNREFUSED 10.1.2.3:443 app_id=secret');
      },
    });
    const error = await failureOf(client.getRate({ base: 'USD', quote: 'GEL' }, { headers: { [REQUEST_ID_HEADER]: 'req_oxr_down' } }));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('exchange rates are unavailable right now');
    expect(error.message).not.toContain('secret');
    const warning = logger.lines.find((line) => line.level === 'warn' && line.fields.requestId === 'req_oxr_down');
    expect(warning?.fields).toMatchObject({ code: 'unavailable', err: { type: 'RateProviderUnavailableError' } });
    expect(JSON.stringify(warning?.fields)).toContain('ECONNREFUSED');
  });
});

describe('RatesService.ListRates', () => {
  it('lists against USD when no base is given', async () => {
    const { client } = await clientWith();
    const response = await client.listRates({});
    expect(response.base).toBe('USD');
    expect(response.rates.GEL).toBe('2.7150');
    expect(response.rates.USD).toBe('1');
    expect(Object.keys(response.rates).length).toBeGreaterThanOrEqual(19);
  });

  it('lists against the requested base, consistent with GetRate', async () => {
    const { client } = await clientWith();
    const response = await client.listRates({ base: 'GEL' });
    const single = await client.getRate({ base: 'GEL', quote: 'EUR' });
    expect(response.base).toBe('GEL');
    expect(response.rates.GEL).toBe('1');
    expect(response.rates.EUR).toBe(single.rate?.rate);
  });

  it('is INVALID_ARGUMENT for a non-fiat base, saying it is one', async () => {
    const { client } = await clientWith();
    const error = await failureOf(client.listRates({ base: 'BTC' }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('BTC in base is a registered non-fiat unit; rates take ISO 4217 currencies only');
  });

  it('is INVALID_ARGUMENT for an unknown base', async () => {
    const { client } = await clientWith();
    const error = await failureOf(client.listRates({ base: 'EURO' }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain('unknown currency "EURO"');
  });
});
