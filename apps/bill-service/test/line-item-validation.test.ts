import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddLineItemRequest } from '@billing/contracts';
import { futurePeriod, newCustomer, startTestBillService, type TestBillService } from './support/bill-service.ts';

let service: TestBillService;
let key: { customerId: string; billingPeriod: string };
let billId: string;

beforeAll(async () => {
  service = await startTestBillService();
  key = { customerId: newCustomer('edge'), billingPeriod: futurePeriod() };
  billId = (await service.client.createBill({ ...key, currency: 'GEL', timeZone: 'UTC' })).bill?.id ?? '';
});
afterAll(async () => {
  await service?.close();
});

type Item = Partial<Omit<AddLineItemRequest, '$typeName' | 'customerId' | 'billingPeriod'>>;

async function refusal(item: Item): Promise<ConnectError> {
  try {
    await service.client.addLineItem({ ...key, idempotencyKey: 'edge-1', description: 'Fee', metadata: {}, ...item });
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error(`${JSON.stringify(item).slice(0, 100)} was accepted`);
}

async function written() {
  const [items, rates] = await Promise.all([
    service.db('line_items').where({ bill_id: billId }).count<[{ count: string }]>('* as count'),
    service.db('exchange_rates').count<[{ count: string }]>('* as count'),
  ]);
  return { items: Number(items[0]?.count), rates: Number(rates[0]?.count) };
}

describe('addLineItem with malformed input', () => {
  it.each<[string, Item, string]>([
    ['no amount at all', {}, 'amount'],
    ['an empty amount', { amount: '' }, 'amount'],
    ['NaN', { amount: 'NaN' }, 'amount'],
    ['1e309', { amount: '1e309' }, 'amount'],
    ['-0', { amount: '-0' }, 'amount'],
    ['a zero amount', { amount: '0.00' }, 'amount'],
    ['a negative amount', { amount: '-5.00' }, 'amount'],
    ['too many decimals', { amount: '1.005' }, 'amount'],
    ['a huge amount', { amount: '9'.repeat(100_000) }, 'amount'],
    ['SQL in the amount', { amount: "1'; DELETE FROM line_items;--" }, 'amount'],
    ['both amount and quantity', { amount: '1.00', quantity: '1', unitPrice: '1' }, 'amount'],
    ['a quantity without a unit price', { quantity: '2' }, 'unitPrice'],
    ['a zero quantity', { quantity: '0', unitPrice: '1.00' }, 'quantity'],
    ['a NaN quantity', { quantity: 'NaN', unitPrice: '1.00' }, 'quantity'],
    ['a unit price of -0', { quantity: '1', unitPrice: '-0' }, 'unitPrice'],
    ['a product that rounds to nothing', { quantity: '1', unitPrice: '0.001' }, 'unitPrice'],
    ['an empty description', { description: '', amount: '1.00' }, 'description'],
    ['a huge description', { description: 'ü'.repeat(1_000_000), amount: '1.00' }, 'description'],
    ['an empty idempotency key', { idempotencyKey: '', amount: '1.00' }, 'idempotencyKey'],
    ['an unknown currency', { currency: 'XYZ', amount: '1.00' }, 'currency'],
    ['a lower-case currency', { currency: 'eur', amount: '1.00' }, 'currency'],
    ['a unicode currency', { currency: '€UR', amount: '1.00' }, 'currency'],
    ['SQL as a currency', { currency: "'; DROP TABLE bills;--", amount: '1.00' }, 'currency'],
    ['a foreign amount with too many decimals', { currency: 'JPY', amount: '1.5' }, 'amount'],
    ['a metadata key with spaces', { amount: '1.00', metadata: { 'bad key': 'x' } }, 'metadata.bad key'],
    ['a long metadata value', { amount: '1.00', metadata: { note: 'x'.repeat(501) } }, 'metadata.note'],
  ])('refuses %s with invalid_argument naming the field, writing nothing and fetching no rate', async (_name, item, field) => {
    const before = await written();
    const error = await refusal(item);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage.startsWith(`${field}: `) || error.rawMessage.includes(`; ${field}: `)).toBe(true);
    expect(error.rawMessage.length).toBeLessThan(1_000);
    expect(await written()).toEqual(before);
  });

  it('stores SQL metacharacters and unicode in free text verbatim', async () => {
    const description = "Robert'); DROP TABLE line_items;-- 請求書 🧾";
    const added = await service.client.addLineItem({
      ...key, idempotencyKey: 'edge-verbatim', description, amount: '1.00', metadata: { note: "' OR '1'='1" },
    });
    expect(added.item).toMatchObject({ description, metadata: { note: "' OR '1'='1" } });
    const stored = await service.db('line_items').where({ bill_id: billId, idempotency_key: 'edge-verbatim' }).first('description');
    expect(stored).toEqual({ description });
  });
});
