import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { convert, Money, parseMoney, toDecimalString } from '@billing/money';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill, type LineItem } from './bills-api.ts';

// Usage through the real gateway, bill-service, worker and rates service: metered events become
// line items when their bill closes, one per metric, each priced once; usage priced in another
// currency than the bill's is converted at the rate the rates service answered, recorded on the
// line; and an event for the period after the close is refused, so the closed bill never changes.

interface UsageLine extends LineItem {
  convertedAmount: { amount: string; currency: string } | null;
  exchangeRate: { rate: string; source: string; asOf: string } | null;
}

interface IngestAnswer {
  results: Array<{ transactionId: string; status: string; reason?: string }>;
}

describe('a bill with metered usage', () => {
  it('closes with a line per metric, usage priced in EUR converted into the USD bill at a recorded rate', async () => {
    const customer = newCustomer('usage');
    const period = futurePeriod(0);
    await createBill(customer, period, 'USD');
    const suffix = randomUUID().slice(0, 8);
    const calls = `calls_${suffix}`;
    const storage = `storage_${suffix}`;
    expect((await call('POST', '/v1/metrics', { body: { code: calls, name: 'API calls', aggregation: 'COUNT' } })).status).toBe(201);
    expect((await call('POST', '/v1/metrics', { body: { code: storage, name: 'Storage', aggregation: 'SUM', field: 'gb' } })).status).toBe(201);
    expect((await call('PUT', `/v1/metrics/${calls}/price`, { body: { currency: 'USD', model: 'PER_UNIT', unitPrice: '0.01' } })).status).toBe(200);
    // This customer's storage is priced in euros, the bill is in dollars.
    const euro = await call('PUT', `/v1/customers/${customer}/prices/${storage}`, { body: { currency: 'EUR', model: 'PER_UNIT', unitPrice: '0.5' } });
    expect(euro.status, euro.text).toBe(200);

    const now = new Date().toISOString();
    const event = (metric: string, properties: Record<string, unknown> = {}, transactionId: string = randomUUID()) =>
      ({ transactionId, customerId: customer, metric, timestamp: now, properties });
    const repeated = randomUUID();
    const sent = await call<IngestAnswer>('POST', '/v1/usage-events', {
      body: { events: [event(calls), event(calls, {}, repeated), event(calls, {}, repeated), event(storage, { gb: '1.5' }), event(storage, { gb: 2.5 })] },
    });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.json.results.map((result) => result.status)).toEqual(['accepted', 'accepted', 'duplicate', 'accepted', 'accepted']);

    const rate = (await call<{ rate: string; source: string; asOf: string }>('GET', '/v1/rates/EUR/USD')).json;
    const closed = await call<Bill>('POST', `${billPath(customer, period)}/close`);
    expect(closed.status, closed.text).toBe(200);
    expect(closed.json.status).toBe('CLOSED');

    const items = (await call<{ items: UsageLine[] }>('GET', `${billPath(customer, period)}/items`)).json.items;
    const byDescription = new Map(items.map((item) => [item.description, item]));
    // 2 calls × 0.01 USD; 4 GB × 0.5 EUR = 2.00 EUR, converted at the rate answered before the close.
    expect(byDescription.get('API calls')).toMatchObject({ quantity: '2', amount: { amount: '0.02', currency: 'USD' }, convertedAmount: null, exchangeRate: null });
    const converted = toDecimalString(convert(parseMoney('2.00', 'EUR'), rate.rate, 'USD'));
    expect(byDescription.get('Storage')).toMatchObject({
      quantity: '4', amount: { amount: '2.00', currency: 'EUR' },
      convertedAmount: { amount: converted, currency: 'USD' }, exchangeRate: { rate: rate.rate, source: rate.source },
    });
    const total = toDecimalString(Money.fromMinor(parseMoney('0.02', 'USD').minor + parseMoney(converted, 'USD').minor, 'USD'));
    expect(closed.json.total).toEqual({ amount: total, currency: 'USD' });

    // The period is closed: a late event for it is refused with the reason, and the bill stays as it was.
    const late = await call<IngestAnswer>('POST', '/v1/usage-events', { body: { events: [event(calls)] } });
    expect(late.json.results[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/closed/) });
    expect((await call<Bill>('GET', billPath(customer, period))).json).toMatchObject({ itemCount: 2, total: { amount: total, currency: 'USD' } });
  });
});
