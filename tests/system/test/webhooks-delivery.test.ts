import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer } from './bills-api.ts';
import { eventsOf, type Event } from './events-api.ts';
import { topUp } from './ledger-api.ts';
import { mandatesPath, todayUtc, type Mandate } from './mandates-api.ts';

// Webhooks end to end: an endpoint registered through the real gateway, events written by the
// real bill-service and worker, and deliveries sent by the worker's dispatcher to a real HTTP
// receiver on loopback. Every signature is checked with the `standardwebhooks` package, an
// implementation we did not write. The shared stack retries after about 1 s
// (WEBHOOK_RETRY_SCHEDULE in global-setup.ts) instead of the production schedule.

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let receiverUrl: string;
const received = new Map<string, Received[]>();
/** Per path, the statuses to answer with before answering 200. */
const scripted = new Map<string, number[]>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.set(path, [...(received.get(path) ?? []), { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }]);
      const status = scripted.get(path)?.shift() ?? 200;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : `try again (${status})`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

interface CreatedEndpoint {
  id: string;
  secret: string;
}

async function endpointFor(customerId: string, path: string, events: string[]): Promise<CreatedEndpoint> {
  const created = await call<CreatedEndpoint>('POST', '/v1/webhook-endpoints', { body: { url: `${receiverUrl}${path}`, events, customerId } });
  expect(created.status, created.text).toBe(201);
  return created.json;
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('webhook delivery through the whole stack', () => {
  it('delivers a bill\'s life and a mandate collection as the documented events, in the customer\'s order, each signed', async () => {
    const customer = newCustomer('wh-life');
    const endpoint = await endpointFor(customer, '/life', ['*']);

    const period = futurePeriod();
    const bill = await createBill(customer, period);
    for (const amount of ['4.00', '6.50']) {
      const added = await call('POST', `${billPath(customer, period)}/items`, { body: { description: `item ${amount}`, amount } });
      expect(added.status, added.text).toBe(201);
    }
    const closed = await call<{ status: string }>('POST', `${billPath(customer, period)}/close`);
    expect(closed.json.status).toBe('CLOSED');
    const mandate = await call<Mandate>('POST', mandatesPath(customer), {
      body: { description: 'Gym', amount: '25.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: todayUtc(), timeZone: 'UTC' },
    });
    expect(mandate.status, mandate.text).toBe(201);

    // The customer's events once the collection has gone through and every one of them has been
    // delivered (the collection's own entries keep coming for a moment: read both until they agree).
    const { events, deliveries } = await waitUntil('the collection, every event delivered', async () => {
      const all = await eventsOf(customer);
      const got = [...(received.get('/life') ?? [])];
      const settled = all.some((event) => event.type === 'mandate.collection_succeeded') && got.length === all.length;
      return settled ? { events: all, deliveries: got } : undefined;
    });

    // Exactly the customer's events, in its order (an ordered endpoint sends one at a time).
    expect(deliveries.map((delivery) => delivery.headers['webhook-id'])).toEqual(events.map((event) => event.id));
    const types = events.map((event) => event.type);
    const ofTheBill = events.filter((event) => event.type.startsWith('bill.') && (event.data.id === bill.id || event.data.billId === bill.id));
    expect(ofTheBill.map((event) => event.type)).toEqual(['bill.created', 'bill.item_added', 'bill.item_added', 'bill.closing', 'bill.closed']);
    for (const type of ['ledger.entry_posted', 'mandate.created', 'mandate.collection_succeeded']) expect(types).toContain(type);
    expect(types.indexOf('mandate.created')).toBeLessThan(types.indexOf('mandate.collection_succeeded'));

    // Each body is the event as GET /v1/events/{id} shows it, signed with the endpoint's secret.
    const verifier = new Webhook(endpoint.secret);
    for (const [index, delivery] of deliveries.entries()) {
      expect(delivery.headers['content-type']).toMatch(/^application\/json/);
      const payload = verifier.verify(delivery.body, delivery.headers as Record<string, string>) as Event;
      expect(payload).toEqual(events[index]);
    }
  }, 60_000);

  it('retries a receiver that answers 500 twice, keeps the webhook-id, and lists all three attempts', async () => {
    const customer = newCustomer('wh-retry');
    const endpoint = await endpointFor(customer, '/flaky', ['ledger.entry_posted']);
    scripted.set('/flaky', [500, 500]);
    await topUp(customer, '12.00');
    const [event] = await eventsOf(customer, 'ledger.entry_posted');

    const attempts = await waitUntil('three attempts', async () => {
      const got = received.get('/flaky') ?? [];
      return got.length >= 3 ? got : undefined;
    });
    expect(attempts.map((attempt) => attempt.headers['webhook-id'])).toEqual([event!.id, event!.id, event!.id]);
    const verifier = new Webhook(endpoint.secret);
    for (const attempt of attempts) expect(() => verifier.verify(attempt.body, attempt.headers as Record<string, string>)).not.toThrow();

    interface Delivery {
      eventId: string; status: string; attemptCount: number; nextAttemptAt: string | null;
      attempts: Array<{ attempt: number; statusCode: number | null; responseBody: string | null; nextRetryAt: string | null; durationMs: number }>;
    }
    const delivery = await waitUntil('the delivery to succeed', async () => {
      const list = await call<{ items: Delivery[] }>('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
      expect(list.status, list.text).toBe(200);
      return list.json.items[0]?.status === 'succeeded' ? list.json.items : undefined;
    });
    expect(delivery).toHaveLength(1);
    expect(delivery[0]).toMatchObject({ eventId: event!.id, status: 'succeeded', attemptCount: 3, nextAttemptAt: null });
    const byAttempt = [...delivery[0]!.attempts].sort((a, b) => a.attempt - b.attempt);
    expect(byAttempt.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.responseBody])).toEqual([
      [1, 500, 'try again (500)'], [2, 500, 'try again (500)'], [3, 200, 'thanks'],
    ]);
    expect(byAttempt.map((attempt) => attempt.nextRetryAt === null)).toEqual([false, false, true]);
    // Nothing more arrives for a delivery that succeeded.
    await sleep(1_500);
    expect(received.get('/flaky')).toHaveLength(3);
  }, 60_000);

  it('sends a delivery again when asked, with the same webhook-id', async () => {
    const customer = newCustomer('wh-again');
    const endpoint = await endpointFor(customer, '/again', ['ledger.entry_posted']);
    await topUp(customer, '3.00');
    await waitUntil('the first delivery', async () => ((received.get('/again') ?? []).length >= 1 ? true : undefined));
    const list = await call<{ items: Array<{ id: string; eventId: string }> }>('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
    const retried = await call('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/${list.json.items[0]!.id}/retry`);
    expect(retried.status, retried.text).toBe(202);
    const both = await waitUntil('the second send', async () => {
      const got = received.get('/again') ?? [];
      return got.length >= 2 ? got : undefined;
    });
    expect(both.map((delivery) => delivery.headers['webhook-id'])).toEqual([list.json.items[0]!.eventId, list.json.items[0]!.eventId]);
  }, 60_000);
});
