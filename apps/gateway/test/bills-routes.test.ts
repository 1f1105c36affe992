import { BillStatus } from '@billing/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBillService } from './support/fake-bills.ts';
import { buildTestGateway } from './support/in-memory-services.ts';

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway;
let fake: ReturnType<typeof fakeBillService>;

beforeEach(async () => {
  fake = fakeBillService();
  gateway = await buildTestGateway({ bills: fake.service });
});
afterEach(async () => {
  await gateway.app.close();
});

const BILLS = '/v1/customers/cus_1/bills';
const BILL = `${BILLS}/2031-02`;

async function post(url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return gateway.app.inject({ method: 'POST', url, payload: payload as object, headers });
}

async function openBill() {
  const response = await post(BILLS, { currency: 'USD', billingPeriod: '2031-02' });
  expect(response.statusCode).toBe(201);
}

describe('POST /v1/customers/{customerId}/bills', () => {
  it('passes the Idempotency-Key on to BillService, and none as empty', async () => {
    const keys: string[] = [];
    const recording = await buildTestGateway({
      bills: {
        ...fake.service,
        createBill: (request, context) => {
          keys.push(request.idempotencyKey);
          if (!fake.service.createBill) throw new Error('the fake has no createBill');
          return fake.service.createBill(request, context);
        },
      },
    });
    try {
      for (const [period, headers] of [['2031-02', { 'idempotency-key': 'open-feb' }], ['2031-03', {}]] as const) {
        await recording.app.inject({ method: 'POST', url: BILLS, payload: { currency: 'USD', billingPeriod: period }, headers });
      }
    } finally {
      await recording.app.close();
    }
    expect(keys).toEqual(['open-feb', '']);
  });

  it('answers 201 with every field of the Bill shape, absent optionals as null', async () => {
    const response = await post(BILLS, { currency: 'USD', billingPeriod: '2031-02' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: 'bill_1',
      customerId: 'cus_1',
      billingPeriod: '2031-02',
      currency: 'USD',
      timeZone: 'UTC',
      status: 'OPEN',
      periodStart: '2031-02-01T00:00:00.000Z',
      periodEnd: '2031-03-01T00:00:00.000Z',
      items: [],
      itemCount: 0,
      total: { amount: '0.00', currency: 'USD' },
      amountDue: { amount: '0.00', currency: 'USD' },
      subtotalsByCurrency: [],
      invoiceNumber: null,
      failureReason: null,
      createdAt: '2031-01-05T10:00:00.000Z',
      updatedAt: '2031-01-05T10:00:00.000Z',
      closedAt: null,
    });
  });

  it('answers 409 already_exists for a second bill in the same period', async () => {
    await openBill();
    const response = await post(BILLS, { currency: 'USD', billingPeriod: '2031-02' });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('already_exists');
  });

  it.each([
    ['a malformed period', { currency: 'USD', billingPeriod: '2031-13' }, 'billingPeriod'],
    ['a two-digit year', { currency: 'USD', billingPeriod: '31-01' }, 'billingPeriod'],
    ['a lower-case currency', { currency: 'usd', billingPeriod: '2031-02' }, 'currency'],
    ['a missing currency', { billingPeriod: '2031-02' }, 'currency'],
    ['an unknown field', { currency: 'USD', billingPeriod: '2031-02', colour: 'red' }, 'colour'],
  ])('rejects %s with a 400 naming the field, without calling the service', async (_case, body, field) => {
    const response = await post(BILLS, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('invalid_argument');
    expect(response.json().message).toContain(`${field}:`);
    expect(fake.calls.createBill).toBe(0);
  });

  it('rejects a customer id with spaces in the path', async () => {
    const response = await post('/v1/customers/cus%201/bills', { currency: 'USD', billingPeriod: '2031-02' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('customerId:');
  });

  it('passes the service message for what only the service knows (a period that has ended)', async () => {
    const response = await post(BILLS, { currency: 'USD', billingPeriod: '2020-01' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('billingPeriod: 2020-01 has already ended in UTC');
  });

  it.each([
    ['a lower-case currency', { currency: 'usd', billingPeriod: '2031-02' }, 'currency: must be a currency code'],
    ['a 13-character currency', { currency: 'ABCDEFGHIJKLM', billingPeriod: '2031-02' }, 'currency: must be a currency code'],
    ['a year before 2000', { currency: 'USD', billingPeriod: '1999-12' }, 'billingPeriod: must be a month as YYYY-MM with a year from 2000'],
    ['month 13', { currency: 'USD', billingPeriod: '2031-13' }, 'billingPeriod: must be a month'],
    ['a time zone that is not an IANA name', { currency: 'USD', billingPeriod: '2031-02', timeZone: '+01:00' }, 'timeZone: must be an IANA time zone name'],
  ])('rejects %s with a 400 naming the field, without calling the service', async (_case, body, message) => {
    const response = await post(BILLS, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
    expect(fake.calls.createBill).toBe(0);
  });
});

describe('GET /v1/customers/{customerId}/bills/{billingPeriod}', () => {
  it('answers 404 not_found for a period without a bill', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: BILL });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('not_found');
  });
});

describe('POST .../items', () => {
  it('answers 201 with the bill whose items hold just the new item, keyed by the Idempotency-Key header', async () => {
    await openBill();
    await post(`${BILL}/items`, { description: 'first', amount: '1.00' });
    const response = await post(`${BILL}/items`, { description: 'API calls', amount: '2.50', metadata: { region: 'eu' } }, { 'idempotency-key': 'fee-2' });
    expect(response.statusCode).toBe(201);
    const bill = response.json();
    expect(bill).toMatchObject({ itemCount: 2, total: { amount: '3.50', currency: 'USD' } });
    expect(bill.items).toEqual([
      {
        id: expect.any(String),
        idempotencyKey: 'fee-2',
        description: 'API calls',
        quantity: '1',
        unitPrice: { amount: '2.50', currency: 'USD' },
        amount: { amount: '2.50', currency: 'USD' },
        convertedAmount: null,
        exchangeRate: null,
        metadata: { region: 'eu' },
        addedAt: '2031-01-05T10:00:00.000Z',
      },
    ]);
  });

  it('generates a distinct item key per request without the header', async () => {
    await openBill();
    await post(`${BILL}/items`, { description: 'a', amount: '1.00' });
    await post(`${BILL}/items`, { description: 'a', amount: '1.00' });
    const items = fake.bills.get('cus_1/2031-02')?.items ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]?.idempotencyKey).not.toBe(items[1]?.idempotencyKey);
  });

  it.each([
    ['a JSON number amount', { description: 'x', amount: 10.5 }, 'amount: must be a decimal string'],
    ['a JSON number quantity', { description: 'x', quantity: 3, unitPrice: '1' }, 'quantity: must be a decimal string'],
    ['a missing description', { amount: '1.00' }, 'description: is required'],
    ['an empty description', { description: '', amount: '1.00' }, 'description: must be 1–500 characters, not blank'],
    ['a blank description', { description: ' \u3000\t', amount: '1.00' }, 'description: must be 1–500 characters, not blank'],
    ['a description with a control character', { description: 'a\u0007b', amount: '1.00' }, 'description: must be 1–500 characters, not blank, with no control characters other than tab and line feed'],
    ['a 501-character description', { description: 'd'.repeat(501), amount: '1.00' }, 'description: must be 1–500 characters'],
    ['a huge amount string', { description: 'x', amount: '1'.repeat(10_000) }, 'amount: must be a decimal string greater than zero with at most 14 digits'],
    ['a zero amount', { description: 'x', amount: '0.00' }, 'amount: must be a decimal string greater than zero'],
    ['an amount in exponent notation', { description: 'x', amount: '1e309' }, 'amount: must be a decimal string'],
    ['"NaN"', { description: 'x', amount: 'NaN' }, 'amount: must be a decimal string'],
    ['"-0"', { description: 'x', amount: '-0' }, 'amount: must be a decimal string'],
    ['a quantity with 7 decimals', { description: 'x', quantity: '0.0000001', unitPrice: '1' }, 'quantity: must be a decimal string greater than zero with at most 14 digits before the point and 6 after'],
    ['both an amount and a quantity', { description: 'x', amount: '1.00', quantity: '1', unitPrice: '1' }, 'body: give either amount, or quantity and unitPrice, not both'],
    ['neither an amount nor a quantity', { description: 'x' }, 'body: give either amount, or quantity and unitPrice, not both'],
    ['a quantity without a unit price', { description: 'x', quantity: '2' }, 'body: give either amount, or quantity and unitPrice, not both'],
    ['a malformed item currency', { description: 'x', amount: '1.00', currency: 'U$D' }, 'currency: must be a currency code'],
    ['21 metadata entries', { description: 'x', amount: '1.00', metadata: Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`k${index}`, 'v'])) }, 'metadata: must have at most 20 entries'],
    ['a metadata key with a space', { description: 'x', amount: '1.00', metadata: { 'a b': 'v' } }, 'metadata.a b: keys must be 1–40 letters'],
    ['a 501-character metadata value', { description: 'x', amount: '1.00', metadata: { k: 'v'.repeat(501) } }, 'metadata.k: must be a string of at most 500 characters'],
    ['a number in metadata', { description: 'x', amount: '1.00', metadata: { n: 1 } }, 'metadata.n: must be a string'],
    ['an unknown field', { description: 'x', amount: '1.00', price: '1' }, 'price: is not an accepted field'],
  ])('rejects %s with a 400 naming the field, without calling the service', async (_case, body, message) => {
    await openBill();
    const response = await post(`${BILL}/items`, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
    expect(fake.calls.addLineItem).toBe(0);
  });

  it('accepts a 500-character description of emoji (characters, not UTF-16 units)', async () => {
    await openBill();
    const response = await post(`${BILL}/items`, { description: '💶'.repeat(500), amount: '1.00' });
    expect(response.statusCode).toBe(201);
  });

  it('answers 409 failed_precondition once the bill is closed', async () => {
    await openBill();
    await post(`${BILL}/close`);
    const response = await post(`${BILL}/items`, { description: 'late', amount: '1.00' });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('failed_precondition');
  });

  it('rejects an Idempotency-Key longer than 255 characters with a 400 naming the header', async () => {
    await openBill();
    const response = await post(`${BILL}/items`, { description: 'x', amount: '1.00' }, { 'idempotency-key': 'k'.repeat(256) });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^idempotency-key: must be 1–255 visible ASCII characters without spaces/);
    expect(fake.calls.addLineItem).toBe(0);
  });

  it('rejects an Idempotency-Key with a space, which an item key cannot hold, before calling the service', async () => {
    await openBill();
    const response = await post(`${BILL}/items`, { description: 'x', amount: '1.00' }, { 'idempotency-key': 'fee 1' });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toEqual([{ field: 'idempotency-key', message: expect.stringContaining('without spaces') }]);
    expect(fake.calls.addLineItem).toBe(0);
  });
});

describe('GET .../items', () => {
  it('pages with limit and an opaque cursor, nextCursor null on the last page', async () => {
    await openBill();
    for (let index = 0; index < 3; index += 1) await post(`${BILL}/items`, { description: `n${index}`, amount: '1.00' });
    const first = (await gateway.app.inject({ method: 'GET', url: `${BILL}/items?limit=2` })).json();
    expect(first.items.map((item: { description: string }) => item.description)).toEqual(['n0', 'n1']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await gateway.app.inject({ method: 'GET', url: `${BILL}/items?limit=2&cursor=${first.nextCursor}` })).json();
    expect(second).toMatchObject({ items: [{ description: 'n2' }], nextCursor: null });
  });

  it.each(['0', '201', 'ten'])('rejects limit=%s with a 400 naming limit', async (limit) => {
    const response = await gateway.app.inject({ method: 'GET', url: `${BILL}/items?limit=${limit}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('limit:');
  });
});

describe('POST .../close', () => {
  it('answers 200 with the CLOSED bill and again 200 for a closed bill', async () => {
    await openBill();
    const first = await post(`${BILL}/close`);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'CLOSED', invoiceNumber: 'INV-2031-000001', closedAt: '2031-01-05T10:00:00.000Z' });
    const again = await post(`${BILL}/close`);
    expect(again.statusCode).toBe(200);
    expect(again.json().invoiceNumber).toBe('INV-2031-000001');
  });

  it('answers 202 when the bill is still CLOSING', async () => {
    await gateway.app.close();
    gateway = await buildTestGateway({
      bills: {
        ...fake.service,
        closeBill: async (request) => {
          const stored = fake.bills.get(`${request.customerId}/${request.billingPeriod}`);
          if (stored) stored.bill.status = BillStatus.CLOSING;
          return { bill: stored?.bill };
        },
      },
    });
    await openBill();
    const response = await post(`${BILL}/close`);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ status: 'CLOSING', invoiceNumber: null });
  });
});

describe('GET /v1/customers/{customerId}/bills/{billingPeriod}', () => {
  it('answers 500 internal, not a bill with a made-up status, when the service sends a status it does not know', async () => {
    await gateway.app.close();
    gateway = await buildTestGateway({
      bills: {
        ...fake.service,
        getBill: async (request, context) => {
          const answer = await fake.service.getBill(request, context);
          return { bill: { ...answer.bill, status: BillStatus.UNSPECIFIED } } as typeof answer;
        },
      },
    });
    await openBill();
    const response = await gateway.app.inject({ method: 'GET', url: BILL });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'internal' });
    expect(response.body).not.toContain('UNSPECIFIED');
  });
});

describe('GET /v1/customers/{customerId}/bills', () => {
  it('lists bills newest period first without an items field, filtered by status', async () => {
    for (const billingPeriod of ['2031-02', '2031-04', '2031-03']) await post(BILLS, { currency: 'USD', billingPeriod });
    await post(`${BILLS}/2031-03/close`);
    const all = (await gateway.app.inject({ method: 'GET', url: BILLS })).json();
    expect(all.items.map((bill: { billingPeriod: string }) => bill.billingPeriod)).toEqual(['2031-04', '2031-03', '2031-02']);
    expect(all.items[0]).not.toHaveProperty('items');
    expect(all.nextCursor).toBeNull();
    const closed = (await gateway.app.inject({ method: 'GET', url: `${BILLS}?status=CLOSED` })).json();
    expect(closed.items.map((bill: { billingPeriod: string }) => bill.billingPeriod)).toEqual(['2031-03']);
  });

  it.each([
    ['status=SHUT', 'status:'],
    ['from=2031-1', 'from:'],
    ['to=31-01', 'to:'],
  ])('rejects %s with a 400 naming the parameter', async (query, field) => {
    const response = await gateway.app.inject({ method: 'GET', url: `${BILLS}?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(field);
  });
});

describe('query numbers', () => {
  it.each(['true', '1e1', '0x10', '5.5', ' 5'])('rejects limit=%s with a 400 naming limit instead of reading a number into it', async (limit) => {
    const response = await gateway.app.inject({ method: 'GET', url: `${BILLS}?limit=${encodeURIComponent(limit)}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toEqual([{ field: 'limit', message: 'must be an integer' }]);
  });

  it('reads limit=2 as the number 2', async () => {
    for (const period of ['2031-02', '2031-03', '2031-04']) await post(BILLS, { currency: 'USD', billingPeriod: period });
    const response = await gateway.app.inject({ method: 'GET', url: `${BILLS}?limit=2` });
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toHaveLength(2);
  });
});
