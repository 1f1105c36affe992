import { describe, expect, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill } from './bills-api.ts';

describe('Idempotency-Key through the real gateway', () => {
  it('replays the first response byte for byte, with no second item', async () => {
    const customer = newCustomer('replay');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    const item = { description: 'Seat', amount: '7.00' };
    const first = await call<Bill>('POST', `${path}/items`, { body: item, key: `${customer}-k` });
    const again = await call<Bill>('POST', `${path}/items`, { body: item, key: `${customer}-k` });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call<Bill>('GET', path)).json).toMatchObject({ itemCount: 1, total: { amount: '7.00' } });
  });

  it('answers 422 when the key comes back with a different request, and changes nothing', async () => {
    const customer = newCustomer('mismatch');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    await call('POST', `${path}/items`, { body: { description: 'Seat', amount: '7.00' }, key: `${customer}-k` });
    const other = await call<{ code: string; message: string }>('POST', `${path}/items`, {
      body: { description: 'Seat', amount: '8.00' }, key: `${customer}-k`,
    });
    expect(other.status).toBe(422);
    expect(other.json.message).toContain('was used with a different request');
    expect((await call<Bill>('GET', path)).json).toMatchObject({ itemCount: 1, total: { amount: '7.00' } });
  });

  it('answers 409 to a request whose key is still in flight (the first is the close of a bill)', async () => {
    // Many concurrent requests with one key: exactly one runs, the rest are replays or 409s.
    const customer = newCustomer('inflight');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call<Bill>('POST', `${path}/close`, { key: `${customer}-close` })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 409).length).toBeGreaterThan(0);
    const conflicts = answers.filter((answer) => answer.status === 409);
    for (const conflict of conflicts) expect(JSON.parse(conflict.text).code).toBe('aborted');
    const successes = answers.filter((answer) => answer.status === 200);
    expect(successes.length).toBeGreaterThan(0);
    expect(new Set(successes.map((answer) => answer.text)).size).toBe(1);
  });

  it('adds exactly 50 items for 50 concurrent adds with distinct keys, with an exact total', async () => {
    const customer = newCustomer('distinct');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        call('POST', `${path}/items`, { body: { description: `call ${index}`, amount: '0.07' }, key: `${customer}-${index}` })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(201));
    expect((await call<Bill>('GET', path)).json).toMatchObject({ itemCount: 50, total: { amount: '3.50', currency: 'USD' } });
  });

  it('adds exactly one item for 50 concurrent adds with one key', async () => {
    const customer = newCustomer('onekey');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call('POST', `${path}/items`, { body: { description: 'once', amount: '0.07' }, key: `${customer}-1` })),
    );
    for (const answer of answers) expect([201, 409]).toContain(answer.status);
    const created = answers.filter((answer) => answer.status === 201);
    expect(new Set(created.map((answer) => answer.text)).size).toBe(1);
    expect((await call<Bill>('GET', path)).json).toMatchObject({ itemCount: 1, total: { amount: '0.07' } });
    // Once the first has finished, the key replays its answer.
    const later = await call('POST', `${path}/items`, { body: { description: 'once', amount: '0.07' }, key: `${customer}-1` });
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('bad input through the real gateway: a 400 naming the field, nothing written', () => {
  const badItems: [string, unknown, string][] = [
    ['a missing description', { amount: '1.00' }, 'description'],
    ['a missing amount', { description: 'x' }, 'amount'],
    ['a quantity without unitPrice', { description: 'x', quantity: '2' }, 'unitPrice'],
    ['a JSON number amount', { description: 'x', amount: 10.5 }, 'amount'],
    ['a boolean description', { description: true, amount: '1.00' }, 'description'],
    ['a huge amount string', { description: 'x', amount: '9'.repeat(100_000) }, 'amount'],
    ['a huge description', { description: 'd'.repeat(100_000), amount: '1.00' }, 'description'],
    ['"NaN"', { description: 'x', amount: 'NaN' }, 'amount'],
    ['"1e309"', { description: 'x', amount: '1e309' }, 'amount'],
    ['"-0"', { description: 'x', amount: '-0' }, 'amount'],
    ['"0"', { description: 'x', amount: '0' }, 'amount'],
    ['"-5"', { description: 'x', amount: '-5' }, 'amount'],
    ['"1.005" USD', { description: 'x', amount: '1.005' }, 'amount'],
    ['a zero quantity', { description: 'x', quantity: '0', unitPrice: '1' }, 'quantity'],
    ['an unknown currency', { description: 'x', amount: '1.00', currency: 'XYZ' }, 'currency'],
    ['a 501-character description', { description: 'é'.repeat(501), amount: '1.00' }, 'description'],
    ['an unknown field', { description: 'x', amount: '1.00', discount: '1' }, 'discount'],
    ['metadata that is not strings', { description: 'x', amount: '1.00', metadata: { n: 1 } }, 'metadata.n'],
  ];

  it.each(badItems)('refuses an item with %s', async (_case, body, field) => {
    const customer = newCustomer('bad');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    const answer = await call<{ code: string; message: string }>('POST', `${path}/items`, { body });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('invalid_argument');
    expect(answer.json.message).toContain(field);
    expect((await call<Bill>('GET', path)).json).toMatchObject({ itemCount: 0, total: { amount: '0.00' }, items: [] });
  });

  it('refuses malformed JSON', async () => {
    const customer = newCustomer('json');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    const answer = await call<{ code: string }>('POST', `${path}/items`, { rawBody: '{"description": "x", "amount": ' });
    expect(answer.status).toBe(400);
    expect((await call<Bill>('GET', path)).json.itemCount).toBe(0);
  });

  const badBills: [string, string, unknown, string][] = [
    ['period 2025-13', 'ok', { currency: 'USD', billingPeriod: '2025-13' }, 'billingPeriod'],
    ['period 25-01', 'ok', { currency: 'USD', billingPeriod: '25-01' }, 'billingPeriod'],
    ['an unknown currency', 'ok', { currency: 'XYZ', billingPeriod: futurePeriod() }, 'currency'],
    ['a currency as a number', 'ok', { currency: 840, billingPeriod: futurePeriod() }, 'currency'],
    ['an unknown time zone', 'ok', { currency: 'USD', billingPeriod: futurePeriod(), timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['a customer id with spaces', 'with space', { currency: 'USD', billingPeriod: futurePeriod() }, 'customerId'],
    ['a missing body', 'ok', undefined, 'body'],
  ];

  it.each(badBills)('refuses a bill with %s', async (_case, customerShape, body, field) => {
    const customer = customerShape === 'ok' ? newCustomer('badbill') : `${newCustomer('badbill')} x`;
    const answer = await call<{ code: string; message: string }>('POST', `/v1/customers/${encodeURIComponent(customer)}/bills`, { body });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('invalid_argument');
    expect(answer.json.message).toContain(field);
    if (customerShape === 'ok') expect((await call<{ items: Bill[] }>('GET', `/v1/customers/${customer}/bills`)).json.items).toEqual([]);
  });

  it('stores unicode and SQL metacharacters in a description verbatim', async () => {
    const customer = newCustomer('verbatim');
    const path = billPath(customer, futurePeriod());
    await createBill(customer, futurePeriod());
    const descriptions = ["Robert'); DROP TABLE bills;-- \\ % _ \"quoted\"", 'Ünïcödé 請求書 💶 ✓', 'é'.repeat(500)];
    for (const description of descriptions) {
      expect((await call('POST', `${path}/items`, { body: { description, amount: '1.00' } })).status).toBe(201);
    }
    const bill = (await call<Bill>('GET', path)).json;
    expect(bill.items?.map((item) => item.description)).toEqual(descriptions);
  });
});
