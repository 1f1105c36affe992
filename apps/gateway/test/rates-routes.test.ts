import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import type { GetRateRequest } from '@billing/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { PUBLISHED_AT, buildTestGateway } from './support/in-memory-services.ts';

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
});

async function get(url: string, options: Parameters<typeof buildTestGateway>[0] = {}) {
  gateway = await buildTestGateway(options);
  return gateway.app.inject({ method: 'GET', url });
}

describe('GET /v1/rates/{base}/{quote}', () => {
  it('answers the rate as a decimal string with its as-of time in RFC 3339 UTC and its source', async () => {
    const response = await get('/v1/rates/USD/GEL');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      base: 'USD',
      quote: 'GEL',
      rate: '2.7150',
      asOf: PUBLISHED_AT.toISOString(),
      source: 'static',
    });
    // The rate is a string on the wire, never a JSON number.
    expect(response.body).toContain('"rate":"2.7150"');
  });

  it('passes `at` to the rates service as a timestamp', async () => {
    let seen: GetRateRequest | undefined;
    const response = await get('/v1/rates/USD/GEL?at=2025-06-01T12:30:00%2B02:00', {
      rates: {
        getRate: async (request) => {
          seen = request;
          return { rate: { base: 'USD', quote: 'GEL', rate: '2.70', asOf: request.at, source: 'static' } };
        },
      },
    });
    expect(response.statusCode).toBe(200);
    expect(seen?.at && timestampDate(seen.at).toISOString()).toBe('2025-06-01T10:30:00.000Z');
    expect(response.json().asOf).toBe('2025-06-01T10:30:00.000Z');
  });

  it('leaves `at` unset when the client sends none', async () => {
    let seen: GetRateRequest | undefined;
    await get('/v1/rates/USD/GEL', {
      rates: {
        getRate: async (request) => {
          seen = request;
          return { rate: { base: 'USD', quote: 'GEL', rate: '2.70', asOf: { seconds: 1n }, source: 'static' } };
        },
      },
    });
    expect(seen?.at).toBeUndefined();
  });

  const SHAPE = 'must be a currency code: 2–12 upper-case letters or digits, starting with a letter, e.g. USD';

  it.each([
    ['/v1/rates/usd/GEL', 'base'],
    ['/v1/rates/U/GEL', 'base'],
    ['/v1/rates/1USD/GEL', 'base'],
    ['/v1/rates/USD/%27%3B--', 'quote'],
    ['/v1/rates/USD/ABCDEFGHIJKLM', 'quote'],
  ])('rejects the malformed currency in %s with a 400 naming %s, asking no service', async (url, field) => {
    let asked = 0;
    const response = await get(url, { onRatesCall: () => asked++ });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ code: 'invalid_argument', message: `${field}: ${SHAPE}`, details: [{ field, message: SHAPE }] });
    expect(asked).toBe(0);
  });

  it.each(['/v1/rates/US/GEL', '/v1/rates/USD/XYZ', '/v1/rates/BTC/USD'])(
    'leaves a well-shaped code in %s to the rates service, whose refusal is the answer',
    async (url) => {
      const refusal = 'the rates service says why';
      const response = await get(url, {
        rates: { getRate: async () => { throw new ConnectError(refusal, Code.InvalidArgument); } },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ code: 'invalid_argument', message: refusal, details: [] });
    },
  );

  it('names both currencies when both are malformed', async () => {
    const response = await get('/v1/rates/usd/gel');
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((detail: { field: string }) => detail.field)).toEqual(['base', 'quote']);
  });

  it.each(['yesterday', '2025-06-01', '2025-06-01T12:00:00', '1e309', 'NaN', ''])(
    'rejects at=%s with a 400 naming `at`',
    async (at) => {
      const response = await get(`/v1/rates/USD/GEL?at=${encodeURIComponent(at)}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'invalid_argument',
        message: expect.stringMatching(/^at: must be an RFC 3339 date-time/),
        details: [{ field: 'at' }],
      });
    },
  );

  it('rejects a leap second, which the format admits but no clock can represent', async () => {
    const response = await get('/v1/rates/USD/GEL?at=2016-12-31T23:59:60Z');
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toEqual([{ field: 'at', message: expect.stringContaining('RFC 3339') }]);
  });

  it('answers a supported currency the rates provider does not publish with a 400 carrying the rates service message', async () => {
    const response = await get('/v1/rates/USD/BOV');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ code: 'invalid_argument', message: 'unknown currency "BOV"', details: [] });
  });
});

describe('GET /v1/rates', () => {
  it('lists every rate against USD by default', async () => {
    const response = await get('/v1/rates');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      base: 'USD',
      asOf: PUBLISHED_AT.toISOString(),
      source: 'static',
      rates: { GEL: '2.7150', EUR: '0.9210' },
    });
  });

  it('asks the rates service for the requested base', async () => {
    let asked = '';
    const response = await get('/v1/rates?base=EUR', {
      rates: {
        listRates: async (request) => {
          asked = request.base;
          return { base: request.base, asOf: { seconds: 0n }, source: 'static', rates: { USD: '1.0858' } };
        },
      },
    });
    expect(response.statusCode).toBe(200);
    expect(asked).toBe('EUR');
    expect(response.json()).toMatchObject({ base: 'EUR', asOf: '1970-01-01T00:00:00.000Z', rates: { USD: '1.0858' } });
  });

  it.each(['usd', 'U', '', 'A-B'])('rejects base=%s with a 400 naming base', async (base) => {
    const response = await get(`/v1/rates?base=${base}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toEqual([{ field: 'base', message: expect.stringContaining('must be a currency code') }]);
  });

  it('leaves a well-shaped base to the rates service, whose refusal is the answer', async () => {
    const response = await get('/v1/rates?base=ABC');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_argument', message: 'unknown currency "ABC"' });
  });

  it('answers a supported base the rates provider does not publish with a 400', async () => {
    const response = await get('/v1/rates?base=BOV');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_argument', message: 'unknown currency "BOV"' });
  });
});
