import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  BillingApiError, createBilling, paginate, verifyWebhook, type Bill, type Billing, type Event, type LineItem,
} from '@billing/sdk';

// A customer's life on the running stack, written only with the SDK (packages/sdk), as an
// integrator would: every call typed by the generated code, no casts and no raw HTTP. The webhook
// receiver is a plain HTTP server on loopback; the SDK verifies what it receives.

const gatewayUrl = inject('gatewayUrl');
const apiKey = inject('adminApiKey');

let billing: Billing;
let receiver: Server;
let receiverUrl = '';
const deliveries: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  billing = createBilling({ baseUrl: gatewayUrl, apiKey });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '';
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

/** `ahead` months after this one, YYYY-MM in UTC: a period that has not ended in any time zone. */
function period(ahead: number): string {
  const month = new Date();
  month.setUTCDate(1);
  month.setUTCMonth(month.getUTCMonth() + ahead);
  return month.toISOString().slice(0, 7);
}
const today = () => new Date().toISOString().slice(0, 10);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The committed API document's `Event` schema, compiled: every component under its name, with
 * `#/components/schemas/X` references pointing at it. The events a real stack writes are checked
 * against it, each by the schema of its own type.
 */
function eventValidator() {
  const document: unknown = JSON.parse(readFileSync(new URL('../../../api/openapi.json', import.meta.url), 'utf8').replaceAll('#/components/schemas/', ''));
  const schemas = typeof document === 'object' && document !== null && 'components' in document && typeof document.components === 'object' &&
    document.components !== null && 'schemas' in document.components ? document.components.schemas : undefined;
  if (typeof schemas !== 'object' || schemas === null) throw new Error('api/openapi.json has no component schemas');
  const context: Record<string, TSchema> = Object.fromEntries(Object.entries(schemas));
  return Compile(context, { $ref: 'Event' });
}

/** The first `count` events of a stream, then the stream is closed. */
async function take(events: AsyncIterable<Event>, count: number): Promise<Event[]> {
  const taken: Event[] = [];
  for await (const event of events) {
    taken.push(event);
    if (taken.length === count) break;
  }
  return taken;
}

describe('the TypeScript SDK against the running stack', () => {
  it('bills a customer, pays from the wallet, collects a mandate, streams and resumes the events, and verifies a webhook', async () => {
    const customerId = `sys-sdk-${randomUUID().slice(0, 8)}`;
    const billingPeriod = period(2);
    const { data: endpoint } = await billing.api.createWebhookEndpoint({
      body: { url: `${receiverUrl}/hooks`, events: ['bill.closed'], customerId },
    });

    const { data: opened } = await billing.api.createBill({ path: { customerId }, body: { currency: 'USD', billingPeriod } });
    expect(opened.status).toBe('OPEN');
    await billing.api.addLineItem({ path: { customerId, billingPeriod }, body: { description: 'Setup fee', amount: '10.50' } });

    // The first answer to this add is lost on its way back; the SDK retries with the same key.
    let lost = 0;
    const flaky = createBilling({
      baseUrl: gatewayUrl,
      apiKey,
      baseRetryDelayMs: 10,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (lost === 0) {
          lost += 1;
          throw new TypeError('fetch failed: the connection was reset');
        }
        return response;
      },
    });
    const { data: added, response } = await flaky.api.addLineItem({
      path: { customerId, billingPeriod }, body: { description: 'API calls', quantity: '1200', unitPrice: '0.0025' },
    });
    expect(lost).toBe(1);
    expect(response.headers.get('idempotent-replayed')).toBe('true');
    expect(added.items.map((item: LineItem) => item.amount.amount)).toEqual(['3.00']);

    const items: LineItem[] = [];
    for await (const item of paginate((cursor) => billing.api.listLineItems({ path: { customerId, billingPeriod }, query: { cursor, limit: 1 } }))) {
      items.push(item);
    }
    expect(items.map((item) => item.description)).toEqual(['Setup fee', 'API calls']);

    await billing.api.closeBill({ path: { customerId, billingPeriod } });
    const closed = await until('the bill to close', async () => {
      const { data } = await billing.api.getBill({ path: { customerId, billingPeriod } });
      return data.status === 'CLOSED' ? data : undefined;
    });
    expect(closed.amountDue).toEqual({ amount: '13.50', currency: 'USD' });

    await billing.api.topUpWallet({ path: { customerId }, body: { amount: closed.amountDue.amount, currency: 'USD' } });
    await billing.api.payBill({ path: { customerId, billingPeriod }, body: { source: 'wallet' } });
    const { data: paid } = await billing.api.getBill({ path: { customerId, billingPeriod } });
    expect(paid.amountDue.amount).toBe('0.00');

    // The bill's events, typed by their `type`; then the same stream resumed after the third.
    const expected = ['bill.created', 'bill.item_added', 'bill.item_added', 'bill.closing', 'bill.closed'];
    const first = await take(billing.events({ customerId, types: ['bill.created', 'bill.item_added', 'bill.closing', 'bill.closed'] }), 5);
    expect(first.map((event) => event.type)).toEqual(expected);
    const closedEvent = first.find((event) => event.type === 'bill.closed');
    if (closedEvent?.type !== 'bill.closed') throw new Error('no bill.closed event');
    expect(closedEvent.data.invoiceNumber).toBe(closed.invoiceNumber);
    const resumed = await take(billing.events({ customerId, types: ['bill.created', 'bill.item_added', 'bill.closing', 'bill.closed'], lastEventId: first[2]?.id }), 2);
    expect(resumed.map((event) => event.id)).toEqual(first.slice(3).map((event) => event.id));
    // A mandate due today is collected at once (on this month's bill), and says so in an event.
    const { data: mandate } = await billing.api.createMandate({
      path: { customerId },
      body: { description: 'Support plan', amount: '25.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: today(), timeZone: 'UTC' },
    });
    const collection = await until('the first collection', async () => {
      for await (const found of paginate((cursor) => billing.api.listCollections({ path: { customerId, mandateId: mandate.id }, query: { cursor } }))) {
        if (found.status === 'SUCCEEDED') return found;
      }
      return undefined;
    });
    expect(collection).toMatchObject({ cycle: 1, amount: { amount: '25.00', currency: 'USD' } });

    const [collected] = await take(billing.events({ customerId, types: ['mandate.collection_succeeded'] }), 1);
    if (collected?.type !== 'mandate.collection_succeeded') throw new Error('no collection event');
    expect(collected.data).toMatchObject({ mandateId: mandate.id, cycle: 1, status: 'SUCCEEDED' });

    const delivery = await until('the webhook', async () => deliveries.find((received) => received.body.includes(customerId)));
    const hooked = verifyWebhook(delivery.body, delivery.headers, endpoint.secret);
    if (hooked.type !== 'bill.closed') throw new Error(`unexpected ${hooked.type}`);
    expect(hooked.data.amountDue).toEqual(closed.amountDue);
    expect(() => verifyWebhook(delivery.body.replace('13.50', '1.50'), delivery.headers, endpoint.secret)).toThrow();

    // Every event this life wrote fits the document's schema for its own type.
    const validator = eventValidator();
    const written: Event[] = [];
    for await (const event of paginate((cursor) => billing.api.listEvents({ query: { customerId, cursor } }))) written.push(event);
    expect([...new Set(written.map((event) => event.type))]).toEqual(expect.arrayContaining([
      'bill.created', 'bill.item_added', 'bill.closing', 'bill.closed', 'ledger.entry_posted', 'mandate.created', 'mandate.collection_succeeded',
    ]));
    for (const event of written) expect(validator.Errors(event), event.type).toEqual([]);
  });

  it('answers a failure as a BillingApiError with the API code and field problems', async () => {
    const customerId = `sys-sdk-${randomUUID().slice(0, 8)}`;
    const missing: unknown = await billing.api.getBill({ path: { customerId, billingPeriod: period(2) } }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BillingApiError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const invalid: unknown = await billing.api.createBill({ path: { customerId }, body: { currency: 'USD', billingPeriod: '1999-01' } })
      .catch((error: unknown) => error);
    expect(invalid).toMatchObject({ status: 400, code: 'invalid_argument', details: [expect.objectContaining({ field: 'billingPeriod' })] });
  });

  it('pages through every bill of a customer with for await', async () => {
    const customerId = `sys-sdk-${randomUUID().slice(0, 8)}`;
    const periods = [1, 2, 3].map(period);
    for (const billingPeriod of periods) await billing.api.createBill({ path: { customerId }, body: { currency: 'EUR', billingPeriod } });
    const seen: string[] = [];
    for await (const bill of paginate((cursor) => billing.api.listBills({ path: { customerId }, query: { cursor, limit: 2 } }))) {
      seen.push(bill.billingPeriod);
    }
    expect(seen.sort()).toEqual(periods);
    const bill: Bill = (await billing.api.getBill({ path: { customerId, billingPeriod: periods[0] ?? '' } })).data;
    expect(bill.items).toEqual([]);
  });
});
