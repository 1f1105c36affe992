import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BillingApiError, createBilling, retryAfterMs } from '../src/index.ts';

// The hand-written layer against a real HTTP server on loopback that answers as the gateway does
// in the cases a test stack cannot produce on demand (a 503, a 429, a stream cut mid-way). The
// whole SDK against the real platform is tests/system/test/sdk.test.ts.

interface Seen {
  method: string;
  url: string;
  idempotencyKey: string | undefined;
  lastEventId: string | undefined;
  authorization: string | undefined;
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function server(answer: (request: IncomingMessage, response: ServerResponse, index: number) => void) {
  const seen: Seen[] = [];
  const http = createServer((request, response) => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      idempotencyKey: request.headers['idempotency-key'] as string | undefined,
      lastEventId: request.headers['last-event-id'] as string | undefined,
      authorization: request.headers.authorization,
    });
    request.resume();
    request.on('end', () => answer(request, response, seen.length - 1));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => {
    http.closeAllConnections();
    http.close(() => resolve());
  });
  const address = http.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { baseUrl: `http://127.0.0.1:${address.port}`, seen };
}

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const BILL = { id: 'bill_1', customerId: 'cus_1', billingPeriod: '2031-02', status: 'OPEN' };
const error = (code: string) => ({ code, message: code, details: [] });

describe('calls', () => {
  it('retries a POST after a 429 and a 503 with the same Idempotency-Key, waiting what Retry-After says', async () => {
    const { baseUrl, seen } = await server((_request, response, index) => {
      if (index === 0) json(response, 429, error('resource_exhausted'), { 'retry-after': '0' });
      else if (index === 1) json(response, 503, error('unavailable'), { 'retry-after': '0' });
      else json(response, 201, BILL);
    });
    const billing = createBilling({ baseUrl, apiKey: 'bsk_test' });
    const { data } = await billing.api.createBill({ path: { customerId: 'cus_1' }, body: { currency: 'USD', billingPeriod: '2031-02' } });
    expect(data.id).toBe('bill_1');
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((request) => request.idempotencyKey)).size).toBe(1);
    expect(seen[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]?.authorization).toBe('Bearer bsk_test');
  });

  it('keeps the caller\'s own Idempotency-Key, and sends none with a GET', async () => {
    const { baseUrl, seen } = await server((request, response) => json(response, request.method === 'POST' ? 201 : 200, BILL));
    const billing = createBilling({ baseUrl, apiKey: 'k' });
    await billing.api.createBill({ path: { customerId: 'cus_1' }, body: { currency: 'USD', billingPeriod: '2031-02' }, headers: { 'idempotency-key': 'mine-1' } });
    await billing.api.getBill({ path: { customerId: 'cus_1', billingPeriod: '2031-02' } });
    expect(seen.map((request) => [request.method, request.idempotencyKey])).toEqual([['POST', 'mine-1'], ['GET', undefined]]);
  });

  it('gives up after maxRetries and throws a BillingApiError with the code, details and request id', async () => {
    const { baseUrl, seen } = await server((_request, response) => json(response, 503, error('unavailable'), { 'retry-after': '0', 'x-request-id': 'req-9' }));
    const billing = createBilling({ baseUrl, apiKey: 'k', maxRetries: 2 });
    const failure: unknown = await billing.api.getBill({ path: { customerId: 'cus_1', billingPeriod: '2031-02' } }).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(BillingApiError);
    expect(failure).toMatchObject({ status: 503, code: 'unavailable', details: [], requestId: 'req-9' });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a refusal', async () => {
    const { baseUrl, seen } = await server((_request, response) => json(response, 400, { code: 'invalid_argument', message: 'amount: bad', details: [{ field: 'amount', message: 'bad' }] }));
    const billing = createBilling({ baseUrl, apiKey: 'k' });
    const failure: unknown = await billing.api.addLineItem({ path: { customerId: 'c', billingPeriod: '2031-02' }, body: { description: 'x', amount: '1' } })
      .catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ status: 400, code: 'invalid_argument', details: [{ field: 'amount', message: 'bad' }] });
    expect(seen).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2032 00:00:10 GMT', Date.parse('2032-01-01T00:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('the event stream', () => {
  const event = (n: number) => ({ id: `evt_${String(n).padStart(32, '0')}`, type: 'bill.created', customerId: 'cus_1', createdAt: '2031-01-01T00:00:00.000Z', data: BILL });

  it('parses messages (comments, CRLF, data split over lines) and reconnects after the last event received', async () => {
    const { baseUrl, seen } = await server((_request, response, index) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (index === 0) {
        // The first connection: a heartbeat, one event with CRLF endings, then the connection ends.
        const text = JSON.stringify(event(1));
        // The data split after its opening brace: joined with a line feed, it is the same JSON.
        response.end(`: heartbeat\r\n\r\nid: ${event(1).id}\r\nevent: bill.created\r\ndata: {\r\ndata: ${text.slice(1)}\r\n\r\n`);
      } else {
        response.end(`id: ${event(2).id}\nevent: bill.created\ndata: ${JSON.stringify(event(2))}\n\n`);
      }
    });
    const billing = createBilling({ baseUrl, apiKey: 'k' });
    const received = [];
    for await (const streamed of billing.events({ customerId: 'cus_1', types: ['bill.created'], reconnectDelayMs: 10 })) {
      received.push(streamed.id);
      if (received.length === 2) break;
    }
    expect(received).toEqual([event(1).id, event(2).id]);
    expect(seen[0]?.url).toBe('/v1/events/stream?customerId=cus_1&types=bill.created');
    expect(seen.map((request) => request.lastEventId)).toEqual([undefined, event(1).id]);
  });

  it('throws a refusal of the resume point as a BillingApiError instead of reconnecting', async () => {
    const { baseUrl, seen } = await server((_request, response) => json(response, 404, error('not_found')));
    const billing = createBilling({ baseUrl, apiKey: 'k' });
    const failure: unknown = await (async () => {
      for await (const _event of billing.events({ customerId: 'cus_1', lastEventId: event(9).id })) break;
    })().catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ status: 404, code: 'not_found' });
    expect(seen).toHaveLength(1);
  });
});
