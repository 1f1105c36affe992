import { describe, expect, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill, type LineItem } from './bills-api.ts';

describe('a bill through the real gateway, bill-service, worker and PostgreSQL', () => {
  it('lives from creation through items and close to an invoice, then refuses further items', async () => {
    const customer = newCustomer('life');
    const period = futurePeriod();
    const path = billPath(customer, period);

    const created = await call<Bill>('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'USD', billingPeriod: period } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ customerId: customer, billingPeriod: period, status: 'OPEN', itemCount: 0, items: [] });
    expect(created.json.total).toEqual({ amount: '0.00', currency: 'USD' });

    const first = await call<Bill>('POST', `${path}/items`, { body: { description: 'Setup fee', amount: '10.50' }, key: `${customer}-1` });
    expect(first.status).toBe(201);
    expect(first.json.items).toHaveLength(1);
    expect(first.json.items?.[0]).toMatchObject({ idempotencyKey: `${customer}-1`, amount: { amount: '10.50', currency: 'USD' } });
    // 3 × 0.3333333333 = 0.9999999999, rounded once half-even to cents: 1.00.
    const second = await call<Bill>('POST', `${path}/items`, {
      body: { description: 'API calls', quantity: '3', unitPrice: '0.3333333333', metadata: { region: 'eu' } },
      key: `${customer}-2`,
    });
    expect(second.status).toBe(201);
    expect(second.json.items?.[0]).toMatchObject({ quantity: '3', amount: { amount: '1.00', currency: 'USD' }, metadata: { region: 'eu' } });
    expect(second.json).toMatchObject({ itemCount: 2, total: { amount: '11.50', currency: 'USD' } });
    const third = await call<Bill>('POST', `${path}/items`, { body: { description: 'Support', amount: '0.01' } });
    expect(third.json).toMatchObject({ itemCount: 3, total: { amount: '11.51', currency: 'USD' } });

    const fetched = await call<Bill>('GET', path);
    expect(fetched.status).toBe(200);
    expect(fetched.json.items?.map((item) => item.description)).toEqual(['Setup fee', 'API calls', 'Support']);

    const page1 = await call<{ items: LineItem[]; nextCursor: string | null }>('GET', `${path}/items?limit=2`);
    expect(page1.json.items.map((item) => item.description)).toEqual(['Setup fee', 'API calls']);
    expect(page1.json.nextCursor).toEqual(expect.any(String));
    const page2 = await call<{ items: LineItem[]; nextCursor: string | null }>(
      'GET', `${path}/items?limit=2&cursor=${encodeURIComponent(page1.json.nextCursor ?? '')}`,
    );
    expect(page2.json.items.map((item) => item.description)).toEqual(['Support']);
    expect(page2.json.nextCursor).toBeNull();

    const closed = await call<Bill>('POST', `${path}/close`);
    expect(closed.status).toBe(200);
    expect(closed.json).toMatchObject({ status: 'CLOSED', itemCount: 3, total: { amount: '11.51', currency: 'USD' } });
    expect(closed.json.invoiceNumber).toMatch(/^INV-\d{4}-\d{6}$/);
    expect(closed.json.closedAt).toEqual(expect.any(String));

    const closedAgain = await call<Bill>('POST', `${path}/close`);
    expect(closedAgain.status).toBe(200);
    expect(closedAgain.json.invoiceNumber).toBe(closed.json.invoiceNumber);

    const late = await call<{ code: string }>('POST', `${path}/items`, { body: { description: 'Too late', amount: '1.00' } });
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('failed_precondition');
    const after = await call<Bill>('GET', path);
    expect(after.json).toMatchObject({ itemCount: 3, total: { amount: '11.51', currency: 'USD' }, status: 'CLOSED' });
  });

  it('answers 409 already_exists for a second bill in the same period', async () => {
    const customer = newCustomer('twice');
    const period = futurePeriod();
    await createBill(customer, period);
    const again = await call<{ code: string }>('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'EUR', billingPeriod: period } });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('already_exists');
    expect((await call<Bill>('GET', billPath(customer, period))).json.currency).toBe('USD');
  });

  it('refuses a period that has already ended with a 400 naming billingPeriod', async () => {
    const customer = newCustomer('past');
    const answer = await call<{ code: string; message: string }>('POST', `/v1/customers/${customer}/bills`, {
      body: { currency: 'USD', billingPeriod: '2020-01' },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toContain('billingPeriod');
    expect((await call('GET', billPath(customer, '2020-01'))).status).toBe(404);
  });

  it('answers 404 for a bill that does not exist', async () => {
    const answer = await call<{ code: string }>('GET', billPath(newCustomer('none'), futurePeriod()));
    expect(answer.status).toBe(404);
    expect(answer.json.code).toBe('not_found');
  });

  it('lists a customer bills newest period first, filtered by status and by from/to, without items', async () => {
    const customer = newCustomer('list');
    const periods = [futurePeriod(2), futurePeriod(3), futurePeriod(4)];
    for (const period of periods) await createBill(customer, period);
    await call('POST', `${billPath(customer, periods[1] as string)}/close`);

    const all = await call<{ items: Bill[]; nextCursor: string | null }>('GET', `/v1/customers/${customer}/bills`);
    expect(all.status).toBe(200);
    expect(all.json.items.map((bill) => bill.billingPeriod)).toEqual([...periods].reverse());
    expect(all.json.items[0]).not.toHaveProperty('items');
    expect(all.json.nextCursor).toBeNull();

    const closed = await call<{ items: Bill[] }>('GET', `/v1/customers/${customer}/bills?status=CLOSED`);
    expect(closed.json.items.map((bill) => bill.billingPeriod)).toEqual([periods[1]]);
    const open = await call<{ items: Bill[] }>('GET', `/v1/customers/${customer}/bills?status=OPEN`);
    expect(open.json.items.map((bill) => bill.billingPeriod)).toEqual([periods[2], periods[0]]);

    const ranged = await call<{ items: Bill[] }>('GET', `/v1/customers/${customer}/bills?from=${periods[1]}&to=${periods[2]}`);
    expect(ranged.json.items.map((bill) => bill.billingPeriod)).toEqual([periods[2], periods[1]]);

    const first = await call<{ items: Bill[]; nextCursor: string | null }>('GET', `/v1/customers/${customer}/bills?limit=2`);
    expect(first.json.items.map((bill) => bill.billingPeriod)).toEqual([periods[2], periods[1]]);
    const rest = await call<{ items: Bill[]; nextCursor: string | null }>(
      'GET', `/v1/customers/${customer}/bills?limit=2&cursor=${encodeURIComponent(first.json.nextCursor ?? '')}`,
    );
    expect(rest.json.items.map((bill) => bill.billingPeriod)).toEqual([periods[0]]);
    expect(rest.json.nextCursor).toBeNull();
  });
});
