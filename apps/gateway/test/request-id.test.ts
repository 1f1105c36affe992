import { afterEach, describe, expect, it } from 'vitest';
import { buildTestGateway } from './support/in-memory-services.ts';

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
});

describe('request id', () => {
  it('echoes an acceptable incoming x-request-id and forwards it to the service as metadata', async () => {
    const forwarded: (string | null)[] = [];
    gateway = await buildTestGateway({ onRatesCall: (context) => forwarded.push(context.requestHeader.get('x-request-id')) });
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL', headers: { 'x-request-id': 'client-trace:42' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('client-trace:42');
    expect(forwarded).toEqual(['client-trace:42']);
  });

  it('generates an id when the client sends none, and forwards that one', async () => {
    const forwarded: (string | null)[] = [];
    gateway = await buildTestGateway({ onRatesCall: (context) => forwarded.push(context.requestHeader.get('x-request-id')) });
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/rates' });
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(forwarded).toEqual([id]);
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['with spaces', 'a b'],
    ['with markup', '<script>'],
    ['with non-ASCII', 'идентификатор'],
  ])('replaces an id %s with a generated one', async (_case, incoming) => {
    gateway = await buildTestGateway();
    const response = await gateway.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': Buffer.from(incoming, 'utf8').toString('latin1') },
    });
    expect(response.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('accepts an id of exactly 128 characters', async () => {
    gateway = await buildTestGateway();
    const id = 'a'.repeat(128);
    const response = await gateway.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': id } });
    expect(response.headers['x-request-id']).toBe(id);
  });

  it('echoes the id on errors, including unknown routes and validation failures', async () => {
    gateway = await buildTestGateway();
    for (const url of ['/nowhere', '/v1/rates/usd/GEL']) {
      const response = await gateway.app.inject({ method: 'GET', url, headers: { 'x-request-id': 'err-1' } });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.headers['x-request-id']).toBe('err-1');
    }
  });

  it('labels every log line of a request with its requestId', async () => {
    gateway = await buildTestGateway();
    await gateway.app.inject({ method: 'GET', url: '/v1/rates/usd/GEL', headers: { 'x-request-id': 'log-1' } });
    await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL', headers: { 'x-request-id': 'log-2' } });
    const requestLines = gateway.logs.filter((line) => line.req !== undefined || line.res !== undefined || line.msg === 'request rejected');
    expect(requestLines.length).toBeGreaterThanOrEqual(5);
    for (const line of requestLines) expect(['log-1', 'log-2']).toContain(line.requestId);
    expect(gateway.logs.some((line) => line.requestId === 'log-1' && line.msg === 'request rejected')).toBe(true);
  });
});
