import { AccountKind, Direction, PaymentSource } from '@billing/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeLedgerService } from './support/fake-ledger.ts';
import { buildTestGateway } from './support/in-memory-services.ts';

// The ledger routes over an in-memory LedgerService: what each route validates, what it sends to
// the service and how it renders the answer. Through the real service: tests/system.

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway;
let fake: ReturnType<typeof fakeLedgerService>;

beforeEach(async () => {
  fake = fakeLedgerService();
  gateway = await buildTestGateway({ ledger: fake.service });
});
afterEach(async () => {
  await gateway.app.close();
});

const TOP_UPS = '/v1/customers/cus_1/wallet/top-ups';

async function send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return gateway.app.inject({ method, url, payload: payload as object, headers });
}
const sent = (method: string) => fake.requests.filter((call) => call.method === method).map((call) => call.request);

describe('GET /v1/customers/{customerId}/accounts', () => {
  it('lists each account with its kind in lower case and its balance as Money, units included', async () => {
    const response = await send('GET', '/v1/customers/cus_1/accounts');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        { id: 'acc_receivable_USD_cus_1', kind: 'receivable', currency: 'USD', balance: { amount: '12.34', currency: 'USD' } },
        { id: 'acc_wallet_ETH_cus_1', kind: 'wallet', currency: 'ETH', balance: { amount: '0.000000000000000001', currency: 'ETH' } },
      ],
      nextCursor: null,
    });
  });

  it('answers an empty list for a customer with no accounts yet', async () => {
    expect((await send('GET', '/v1/customers/cus_new/accounts')).json()).toEqual({ items: [], nextCursor: null });
  });
});

describe('posting an entry', () => {
  it('answers a top-up with 201 and every field of the Entry shape, an empty reference as null', async () => {
    const response = await send('POST', TOP_UPS, { amount: '25.00', currency: 'USD' }, { 'idempotency-key': 'topup-1' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: 'ent_1',
      type: 'TOPUP',
      idempotencyKey: 'topup-1',
      postings: [
        { accountId: 'acc_cash_USD', direction: 'DEBIT', amount: { amount: '25.00', currency: 'USD' } },
        { accountId: 'acc_wallet_USD_cus_1', direction: 'CREDIT', amount: { amount: '25.00', currency: 'USD' } },
      ],
      createdAt: '2031-01-05T10:00:00.000Z',
      reference: null,
    });
    expect(response.headers['idempotent-replayed']).toBeUndefined();
    expect(sent('topUp')).toMatchObject([{ customerId: 'cus_1', amount: { amount: '25.00', currency: 'USD' }, idempotencyKey: 'topup-1' }]);
  });

  it('keys the entry with a fresh UUID per request when no Idempotency-Key is sent', async () => {
    await send('POST', TOP_UPS, { amount: '1.00', currency: 'USD' });
    await send('POST', TOP_UPS, { amount: '1.00', currency: 'USD' });
    const keys = sent('topUp').map((request) => request.idempotencyKey);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('marks an entry the ledger already held for the key as replayed', async () => {
    const first = await send('POST', TOP_UPS, { amount: '1.00', currency: 'USD' }, { 'idempotency-key': 'k-1' });
    const again = await send('POST', TOP_UPS, { amount: '1.00', currency: 'USD' }, { 'idempotency-key': 'k-1' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('carries an amount in a registered unit exactly, all 18 decimals of ETH', async () => {
    const response = await send('POST', TOP_UPS, { amount: '0.123456789012345678', currency: 'ETH' });
    expect(response.statusCode).toBe(201);
    expect(response.json().postings[0].amount).toEqual({ amount: '0.123456789012345678', currency: 'ETH' });
  });

  it('passes the service 400 on an amount with more decimals than its currency through, naming the field', async () => {
    const response = await send('POST', TOP_UPS, { amount: '1.005', currency: 'USD' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('amount') });
  });

  const edgeCases: [string, unknown, string][] = [
    ['a missing amount', { currency: 'USD' }, 'amount'],
    ['a missing currency', { amount: '1.00' }, 'currency'],
    ['an amount as a JSON number', { amount: 10.5, currency: 'USD' }, 'amount'],
    ['"NaN"', { amount: 'NaN', currency: 'USD' }, 'amount'],
    ['"1e309"', { amount: '1e309', currency: 'USD' }, 'amount'],
    ['"-0"', { amount: '-0', currency: 'USD' }, 'amount'],
    ['a zero amount', { amount: '0.00', currency: 'USD' }, 'amount'],
    ['a negative amount', { amount: '-5.00', currency: 'USD' }, 'amount'],
    ['15 integer digits', { amount: '100000000000000', currency: 'USD' }, 'amount'],
    ['a lower-case currency', { amount: '1.00', currency: 'usd' }, 'currency'],
    ['a 13-character unit code', { amount: '1', currency: 'ABCDEFGHIJKLM' }, 'currency'],
    ['SQL in the currency', { amount: '1', currency: "USD'; DROP TABLE ledger_entries;--" }, 'currency'],
    ['an unknown field', { amount: '1.00', currency: 'USD', note: 'x' }, 'note'],
  ];
  it.each(edgeCases)('refuses %s with a 400 naming the field, before any service call', async (_label, body, field) => {
    const response = await send('POST', TOP_UPS, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_argument', details: expect.arrayContaining([expect.objectContaining({ field })]) });
    expect(fake.requests).toEqual([]);
  });

  it('answers a withdrawal the wallet cannot cover with 409 failed_precondition', async () => {
    const response = await send('POST', '/v1/customers/cus_1/wallet/withdrawals', { amount: '5.00', currency: 'USD' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'failed_precondition', message: expect.stringContaining('less than') });
    const covered = await send('POST', '/v1/customers/cus_1/wallet/withdrawals', { amount: '1.00', currency: 'USD' });
    expect(covered.json().type).toBe('WITHDRAWAL');
  });

  it('sends a transfer between the two customers and refuses a malformed customer id', async () => {
    const body = { fromCustomerId: 'cus_1', toCustomerId: 'cus_2', amount: '3.00', currency: 'POINTS' };
    const response = await send('POST', '/v1/transfers', body, { 'idempotency-key': 'tr-1' });
    expect(response.statusCode).toBe(201);
    expect(sent('transfer')).toMatchObject([{ fromCustomerId: 'cus_1', toCustomerId: 'cus_2', amount: { amount: '3.00', currency: 'POINTS' }, idempotencyKey: 'tr-1' }]);
    const bad = await send('POST', '/v1/transfers', { ...body, toCustomerId: 'cüs 2' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].field).toBe('toCustomerId');
  });

  it('pays a bill from the wallet, and answers 409 when the service says the bill cannot be paid', async () => {
    const paid = await send('POST', '/v1/customers/cus_1/bills/2031-02/payments', { source: 'wallet' });
    expect(paid.statusCode).toBe(201);
    expect(paid.json()).toMatchObject({ type: 'PAYMENT', reference: 'bill_1' });
    expect(sent('payBill')).toMatchObject([{ customerId: 'cus_1', billingPeriod: '2031-02', source: PaymentSource.WALLET }]);
    const open = await send('POST', '/v1/customers/cus_1/bills/2031-03/payments', { source: 'wallet' });
    expect(open.statusCode).toBe(409);
    expect(open.json().code).toBe('failed_precondition');
  });

  it.each([
    ['another source', { source: 'card' }, 'source'],
    ['no source', {}, 'source'],
  ])('refuses a bill payment with %s', async (_label, body, field) => {
    const response = await send('POST', '/v1/customers/cus_1/bills/2031-02/payments', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].field).toBe(field);
    expect(fake.requests).toEqual([]);
  });

  it('refunds an amount in the payment currency, stated or left to the ledger, or everything left with no body at all', async () => {
    const partial = await send('POST', '/v1/customers/cus_1/payments/ent_1/refunds', { amount: '2.50' }, { 'idempotency-key': 'rf-1' });
    expect(partial.statusCode).toBe(201);
    expect(partial.json()).toMatchObject({ type: 'REFUND', reference: 'ent_1' });
    const stated = await send('POST', '/v1/customers/cus_1/payments/ent_1/refunds', { amount: '1.00', currency: 'USD' });
    expect(stated.statusCode).toBe(201);
    const full = await send('POST', '/v1/customers/cus_1/payments/ent_1/refunds');
    expect(full.statusCode).toBe(201);
    const [first, second, third] = sent('refund');
    expect(first).toMatchObject({ customerId: 'cus_1', paymentEntryId: 'ent_1', amount: { amount: '2.50', currency: '' }, idempotencyKey: 'rf-1' });
    expect(second).toMatchObject({ amount: { amount: '1.00', currency: 'USD' } });
    expect(third?.amount).toBeUndefined();
  });

  it('answers 404 for a payment the customer does not have, and 400 for a malformed entry id or a currency without an amount', async () => {
    const missing = await send('POST', '/v1/customers/cus_1/payments/ent_9/refunds', {});
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
    for (const id of ['bill_1', 'ent_a.b', `ent_${'a'.repeat(65)}`]) {
      const malformed = await send('POST', `/v1/customers/cus_1/payments/${id}/refunds`, {});
      expect(malformed.statusCode, id).toBe(400);
      expect(malformed.json().details[0].field).toBe('entryId');
    }
    const lone = await send('POST', '/v1/customers/cus_1/payments/ent_1/refunds', { currency: 'USD' });
    expect(lone.statusCode).toBe(400);
    expect(lone.json().details).toEqual([{ field: 'amount', message: 'is required with currency' }]);
    expect(sent('refund')).toHaveLength(1);
  });

  it('sends an adjustment with its account kind, direction and reason', async () => {
    const body = { customerId: 'cus_1', account: 'receivable', direction: 'credit', amount: '4.00', currency: 'USD', reason: 'write-off' };
    const response = await send('POST', '/v1/ledger/adjustments', body);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ type: 'ADJUSTMENT', reference: 'write-off' });
    expect(sent('adjust')).toMatchObject([
      { customerId: 'cus_1', accountKind: AccountKind.RECEIVABLE, direction: Direction.CREDIT, amount: { amount: '4.00', currency: 'USD' }, reason: 'write-off' },
    ]);
  });

  it.each([
    ['a revenue account', { account: 'revenue' }, 'account'],
    ['an upper-case direction', { direction: 'CREDIT' }, 'direction'],
    ['a blank reason', { reason: '   ' }, 'reason'],
    ['no reason', { reason: undefined }, 'reason'],
  ])('refuses an adjustment with %s', async (_label, change, field) => {
    const body = { customerId: 'cus_1', account: 'wallet', direction: 'debit', amount: '4.00', currency: 'USD', reason: 'fix', ...change };
    const response = await send('POST', '/v1/ledger/adjustments', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].field).toBe(field);
    expect(fake.requests).toEqual([]);
  });
});

describe('reading the ledger', () => {
  it('pages a customer entries, passing limit and cursor and answering an empty next cursor as null', async () => {
    await send('POST', TOP_UPS, { amount: '1.00', currency: 'USD' });
    const first = await send('GET', '/v1/customers/cus_1/entries?limit=1');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ items: [{ type: 'TOPUP' }], nextCursor: 'page-2' });
    const last = await send('GET', '/v1/customers/cus_1/entries?cursor=page-2');
    expect(last.json().nextCursor).toBeNull();
    expect(sent('listEntries')).toMatchObject([{ customerId: 'cus_1', limit: 1, cursor: '' }, { limit: 50, cursor: 'page-2' }]);
  });

  it.each(['0', '201', 'ten', '1e2'])('refuses limit=%s', async (limit) => {
    const response = await send('GET', `/v1/customers/cus_1/entries?limit=${limit}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].field).toBe('limit');
  });

  it('answers the trial balance with debits and credits as decimal strings per currency', async () => {
    const response = await send('GET', '/v1/ledger/trial-balance');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [{ currency: 'ETH', debits: '1.5', credits: '1.5' }, { currency: 'USD', debits: '250.00', credits: '250.00' }],
    });
  });

  it.each([
    ['GET', '/v1/transfers', 'POST'],
    ['DELETE', '/v1/ledger/trial-balance', 'GET'],
    ['PUT', '/v1/customers/cus_1/wallet/top-ups', 'POST'],
  ] as const)('answers %s %s with 405 and Allow', async (method, url, allow) => {
    const response = await send(method, url);
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe(allow);
  });
});
