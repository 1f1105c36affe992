import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestGateway } from './support/in-memory-services.ts';

let gateway: Awaited<ReturnType<typeof buildTestGateway>>;
beforeAll(async () => {
  gateway = await buildTestGateway();
});
afterAll(async () => {
  await gateway.app.close();
});

// Each public path with a concrete URL and the methods it serves (the ones its OpenAPI document lists).
const PATHS: [string, string][] = [
  ['/healthz', 'GET'],
  ['/readyz', 'GET'],
  ['/v1/rates', 'GET'],
  ['/v1/rates/USD/GEL', 'GET'],
  ['/v1/customers/cus_1/bills', 'GET, POST'],
  ['/v1/customers/cus_1/bills/2031-02', 'GET'],
  ['/v1/customers/cus_1/bills/2031-02/items', 'GET, POST'],
  ['/v1/customers/cus_1/bills/2031-02/close', 'POST'],
  ['/v1/customers/cus_1/mandates', 'GET, POST'],
  ['/v1/customers/cus_1', 'GET, PATCH, PUT'],
  ['/v1/customers', 'GET'],
  ['/v1/customers/cus_1/bills/2031-02/invoice', 'GET'],
  ['/v1/customers/cus_1/bills/2031-02/invoice.pdf', 'GET'],
  ['/v1/customers/cus_1/mandates/mnd_1', 'GET, PATCH'],
  ['/v1/customers/cus_1/mandates/mnd_1/pause', 'POST'],
  ['/v1/customers/cus_1/mandates/mnd_1/resume', 'POST'],
  ['/v1/customers/cus_1/mandates/mnd_1/cancel', 'POST'],
  ['/v1/customers/cus_1/mandates/mnd_1/collections/1/approve', 'POST'],
  ['/v1/customers/cus_1/mandates/mnd_1/collections', 'GET'],
  ['/v1/payment-simulator/outcomes', 'POST'],
  ['/openapi.json', 'GET'],
];
const UNSERVED = ['HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const;

describe('a method a known path does not serve', () => {
  it.each(PATHS.flatMap(([url, allow]) => UNSERVED.filter((method) => !allow.includes(method)).map((method) => [method, url, allow] as const)))(
    'answers %s %s with 405, Allow: %s and the error body',
    async (method, url, allow) => {
      const response = await gateway.app.inject({ method, url });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      // A response to HEAD carries no body.
      if (method === 'HEAD') return;
      expect(response.json()).toEqual({
        code: 'invalid_argument',
        message: `${method} is not allowed on ${url}; allowed: ${allow}`,
        details: [],
      });
    },
  );

  it('answers GET on the close path with 405 and Allow: POST', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/customers/cus_1/bills/2031-02/close' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('answers PATCH on the bills of a customer with 405 even with a JSON body and an Idempotency-Key', async () => {
    const response = await gateway.app.inject({
      method: 'PATCH',
      url: '/v1/customers/c/bills?status=OPEN',
      headers: { 'idempotency-key': 'k-1' },
      payload: { currency: 'USD' },
    });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, POST');
    expect(response.json().code).toBe('invalid_argument');
  });

  it.each(['/v1/customers/not%20valid/bills/1999-99', '/v1/customers/cus_1/bills/'])(
    'answers %s, which the router matches whatever its segments hold, with 405 as GET sees it with 400',
    async (url) => {
      expect((await gateway.app.inject({ method: 'GET', url })).statusCode).toBe(400);
      const response = await gateway.app.inject({ method: 'DELETE', url });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET');
    },
  );

  it('does not serve HEAD, which no operation of the OpenAPI document is', async () => {
    const response = await gateway.app.inject({ method: 'HEAD', url: '/healthz' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET');
  });

  it('still answers an unknown path with 404 not_found and no Allow header', async () => {
    for (const url of ['/v1/nothing', '/v1/customers/cus_1/bills/2031-02/items/li_1', '/v1/customers/cus_1/profile']) {
      const response = await gateway.app.inject({ method: 'DELETE', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers.allow, url).toBeUndefined();
      expect(response.json().code, url).toBe('not_found');
    }
  });
});
