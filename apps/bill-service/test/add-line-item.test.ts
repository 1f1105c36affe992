import { toJson } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addLineItemsUpdate, billWorkflowId } from '@billing/bills';
import { BillSchema, BillService, BillStatus, LineItemSchema, RatesService, type Bill, type LineItem } from '@billing/contracts';
import { createGrpcClient, withPrincipal } from '@billing/grpc-kit';
import { failureOf } from '@billing/grpc-kit/testing';
import { convert, parseMoney, toDecimalString } from '@billing/money';
import { freePort } from '@billing/devstack';
import { createLogger } from '@billing/runtime';
import { startBillService } from '../src/app.ts';
import { workflowUpdates } from '../src/workflow-updates.ts';
import { futurePeriod, newCustomer, startTestBillService, testEnv, type TestBillService } from './support/bill-service.ts';

let service: TestBillService;
beforeAll(async () => {
  service = await startTestBillService();
});
afterAll(async () => {
  await service?.close();
});

const billJson = (bill: Bill | undefined) => toJson(BillSchema, bill as Bill) as Record<string, unknown>;
const itemJson = (item: LineItem | undefined) => toJson(LineItemSchema, item as LineItem);
/** The bill's own fields: a GET lists every item, an add's answer only the new one. */
const withoutItems = (bill: Bill | undefined) => {
  const { items: _items, ...rest } = billJson(bill);
  return rest;
};

async function openBill(currency: string) {
  const key = { customerId: newCustomer('add'), billingPeriod: futurePeriod() };
  await service.client.createBill({ ...key, currency, timeZone: 'UTC' });
  return key;
}

async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe('addLineItem', () => {
  it('answers with the bill and the item exactly as a later read shows them', async () => {
    const key = await openBill('USD');
    const first = await service.client.addLineItem({
      ...key, idempotencyKey: 'seats', description: 'Seats', quantity: '3', unitPrice: '1.3333', metadata: { plan: 'pro' },
    });
    const afterFirst = await service.client.getBill(key);
    expect(billJson(first.bill)).toEqual(billJson(afterFirst.bill));
    expect(itemJson(first.item)).toEqual(itemJson(afterFirst.bill?.items[0]));
    expect(itemJson(first.item)).toMatchObject({
      idempotencyKey: 'seats', description: 'Seats', quantity: '3', unitPrice: { amount: '1.3333', currency: 'USD' },
      amount: { amount: '4.00', currency: 'USD' }, metadata: { plan: 'pro' },
    });
    expect(first.item?.convertedAmount).toBeUndefined();
    expect(first.item?.exchangeRate).toBeUndefined();

    const second = await service.client.addLineItem({ ...key, idempotencyKey: 'fee', description: 'Fee', amount: '0.05', metadata: {} });
    const afterSecond = await service.client.getBill(key);
    expect(withoutItems(second.bill)).toEqual(withoutItems(afterSecond.bill));
    expect(second.bill?.items.map(itemJson)).toEqual([itemJson(second.item)]);
    expect(itemJson(second.item)).toEqual(itemJson(afterSecond.bill?.items[1]));
    expect(billJson(second.bill)).toMatchObject({ itemCount: 2, total: { amount: '4.05', currency: 'USD' }, status: 'BILL_STATUS_OPEN' });
  });

  it('answers a foreign-currency item with the conversion and the rate a later read shows', async () => {
    const key = await openBill('GEL');
    const rates = createGrpcClient(RatesService, service.env.RATES_SERVICE_URL, { serviceCredential: service.env.BILLING_SERVICE_TOKEN });
    const rate = (await rates.getRate({ base: 'EUR', quote: 'GEL' })).rate;
    const added = await service.client.addLineItem({
      ...key, idempotencyKey: 'eur-seats', description: 'EUR seats', quantity: '3', unitPrice: '1.3333', currency: 'EUR', metadata: {},
    });
    expect(itemJson(added.item)).toMatchObject({
      amount: { amount: '4.00', currency: 'EUR' },
      convertedAmount: { amount: toDecimalString(convert(parseMoney('4.00', 'EUR'), rate?.rate ?? '', 'GEL')), currency: 'GEL' },
      exchangeRate: { rate: rate?.rate, source: rate?.source },
    });
    expect(added.item?.exchangeRate?.asOf && timestampDate(added.item.exchangeRate.asOf))
      .toEqual(rate?.asOf && timestampDate(rate.asOf));

    const read = await service.client.getBill(key);
    expect(billJson(added.bill)).toEqual(billJson(read.bill));
    const listed = await service.client.listLineItems({ ...key, limit: 10, cursor: '' });
    expect(listed.items.map(itemJson)).toEqual([itemJson(added.item)]);
    expect(billJson(added.bill).total).toEqual(itemJson(added.item).convertedAmount);
    expect(billJson(added.bill).subtotalsByCurrency).toEqual([{ amount: '4.00', currency: 'EUR' }]);
  });

  it('reads the read model once for an add, and never the items', async () => {
    const key = await openBill('USD');
    await service.client.addLineItem({ ...key, idempotencyKey: 'warm', description: 'Warm-up', amount: '1.00', metadata: {} });
    service.queries.length = 0;
    await service.client.addLineItem({ ...key, idempotencyKey: 'one', description: 'One read', amount: '2.00', metadata: {} });
    expect(service.queries).toHaveLength(1);
    expect(service.queries[0]).toMatch(/^select .* from "?bills"? where/is);
  });

  it('answers a repeated idempotency key with the first item and leaves the total alone', async () => {
    const key = await openBill('USD');
    const first = await service.client.addLineItem({ ...key, idempotencyKey: 'again', description: 'Once', amount: '7.00', metadata: {} });
    const repeat = await service.client.addLineItem({ ...key, idempotencyKey: 'again', description: 'Twice?', amount: '9.00', metadata: {} });
    expect(itemJson(repeat.item)).toEqual(itemJson(first.item));
    expect(billJson(repeat.bill)).toMatchObject({ itemCount: 1, total: { amount: '7.00', currency: 'USD' } });
    expect(billJson((await service.client.getBill(key)).bill)).toMatchObject({ itemCount: 1, total: { amount: '7.00', currency: 'USD' } });
  });

  it('answers each of many concurrent adds with its own stored item', async () => {
    const key = await openBill('USD');
    const amounts = Array.from({ length: 24 }, (_, index) => `${index + 1}.01`);
    const answers = await Promise.all(amounts.map((amount, index) =>
      service.client.addLineItem({ ...key, idempotencyKey: `burst-${index}`, description: `Burst ${index}`, amount, metadata: {} })));
    const listed = await service.client.listLineItems({ ...key, limit: 50, cursor: '' });
    const byKey = new Map(listed.items.map((item) => [item.idempotencyKey, itemJson(item)]));
    answers.forEach((answer, index) => {
      expect(itemJson(answer.item)).toEqual(byKey.get(`burst-${index}`));
      expect(answer.item?.amount?.amount).toBe(amounts[index]);
      expect(answer.bill?.items.map(itemJson)).toEqual([itemJson(answer.item)]);
    });
    const final = (await service.client.getBill(key)).bill;
    const sum = amounts.reduce((total, amount) => total + parseMoney(amount, 'USD').minor, 0n);
    expect(final?.itemCount).toBe(24);
    expect(parseMoney(final?.total?.amount ?? '0', 'USD').minor).toBe(sum);
    // Every answer shows the bill after its own item was stored, and the last batch's answer is the final bill.
    const totals = answers.map((answer) => parseMoney(answer.bill?.total?.amount ?? '0', 'USD').minor);
    answers.forEach((answer, index) => expect(totals[index]).toBeGreaterThanOrEqual(parseMoney(amounts[index] as string, 'USD').minor));
    expect(totals.reduce((a, b) => (a > b ? a : b))).toBe(sum);
  });

  it('answers not_found for a bill that does not exist and failed_precondition for a closed one, adding nothing', async () => {
    const missing = { customerId: newCustomer('none'), billingPeriod: futurePeriod() };
    expect(await codeOf(service.client.addLineItem({ ...missing, idempotencyKey: 'k', description: 'x', amount: '1.00', metadata: {} })))
      .toBe(Code.NotFound);

    const key = await openBill('USD');
    const closed = await service.client.closeBill(key);
    expect(closed.bill?.status).toBe(BillStatus.CLOSED);
    expect(await codeOf(service.client.addLineItem({ ...key, idempotencyKey: 'late', description: 'Late', amount: '1.00', metadata: {} })))
      .toBe(Code.FailedPrecondition);
    expect((await service.client.getBill(key)).bill?.itemCount).toBe(0);
  });

  it('answers a retry of an item the bill took before it closed with that item, not a refusal', async () => {
    const key = await openBill('USD');
    const first = await service.client.addLineItem({ ...key, idempotencyKey: 'taken', description: 'Taken', amount: '3.00', metadata: {} });
    await service.client.closeBill(key);
    // The first answer was lost; the client sends the same item again after the bill closed.
    const retry = await service.client.addLineItem({ ...key, idempotencyKey: 'taken', description: 'Taken', amount: '3.00', metadata: {} });
    expect(itemJson(retry.item)).toEqual(itemJson(first.item));
    expect(billJson(retry.bill)).toMatchObject({ status: 'BILL_STATUS_CLOSED', itemCount: 1, total: { amount: '3.00', currency: 'USD' } });
    expect(await codeOf(service.client.addLineItem({ ...key, idempotencyKey: 'other', description: 'Late', amount: '1.00', metadata: {} })))
      .toBe(Code.FailedPrecondition);
  });
});

describe('bill-service over real gRPC', () => {
  it('answers an add with what a later get shows', async () => {
    const port = await freePort();
    const server = await startBillService(testEnv({ BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1' }), createLogger('bill-service', 'warn'));
    try {
      const client = createGrpcClient(BillService, `http://127.0.0.1:${port}`, { serviceCredential: inject('serviceToken') });
      const key = { customerId: newCustomer('grpc'), billingPeriod: futurePeriod() };
      await client.createBill({ ...key, currency: 'JPY', timeZone: 'Asia/Tokyo' });
      const added = await client.addLineItem({ ...key, idempotencyKey: 'yen', description: '円の手数料', amount: '1500', metadata: {} });
      const read = await client.getBill(key);
      expect(billJson(added.bill)).toEqual(billJson(read.bill));
      expect(billJson(read.bill)).toMatchObject({ currency: 'JPY', total: { amount: '1500', currency: 'JPY' } });
    } finally {
      await server.close();
    }
  });

  it('refuses a call without the service credential, and one for another customer\'s key', async () => {
    const port = await freePort();
    const server = await startBillService(testEnv({ BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1' }), createLogger('bill-service', 'warn'));
    try {
      const key = { customerId: newCustomer('scope'), billingPeriod: futurePeriod() };
      const anonymous = createGrpcClient(BillService, `http://127.0.0.1:${port}`);
      expect((await failureOf(anonymous.getBill(key))).code).toBe(Code.Unauthenticated);
      const credentialed = createGrpcClient(BillService, `http://127.0.0.1:${port}`, { serviceCredential: inject('serviceToken') });
      const foreign = await failureOf(credentialed.createBill({ ...key, currency: 'USD' }, withPrincipal({ keyId: 'key_x', customerId: 'someone-else' })));
      expect(foreign.code).toBe(Code.PermissionDenied);
      const own = await credentialed.createBill({ ...key, currency: 'USD' }, withPrincipal({ keyId: 'key_x', customerId: key.customerId }));
      expect(own.bill?.customerId).toBe(key.customerId);
    } finally {
      await server.close();
    }
  });
});

describe('concurrent adds to one bill', () => {
  it('refuse a bill that does not exist yet, and an add sent after its create is taken even while such refusals are in flight', async () => {
    // Concurrent adds share one read of the bill's row; an add that joins a read begun before the
    // create committed must not inherit that read's "no bill".
    for (let round = 0; round < 10; round++) {
      const key = { customerId: newCustomer('race'), billingPeriod: futurePeriod() };
      let creating = true;
      const early: Array<Code | undefined> = [];
      const hammer = async (prefix: string) => {
        while (creating) early.push(await codeOf(service.client.addLineItem({ ...key, idempotencyKey: `${prefix}-${early.length}`, description: 'early', amount: '1.00' })));
      };
      const hammers = [hammer('early-a'), hammer('early-b')];
      await new Promise((resolve) => setTimeout(resolve, 20));
      await service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC' });
      const added = await service.client.addLineItem({ ...key, idempotencyKey: 'after-create', description: 'after the create', amount: '2.00' });
      creating = false;
      await Promise.all(hammers);
      expect(added.item?.idempotencyKey).toBe('after-create');
      // Before the create, every add was refused as a missing bill; after it, some may have been taken.
      expect(early.every((code) => code === Code.NotFound || code === undefined)).toBe(true);
      expect(early).toContain(Code.NotFound);
    }
  });
});

describe('Updates past Temporal\'s in-flight limit', () => {
  it('lands every one of 50 concurrent adds sent straight to one bill\'s workflow exactly once', async () => {
    // More Updates than Temporal admits at once (ten per workflow) reach a workflow whose items
    // are written by a local activity: the server refuses some as RESOURCE_EXHAUSTED, and on SDK
    // 1.24 some as `UnprocessedUpdate` (never in history). bill-service's one send path sends
    // both again; none may reach the caller, and none may count twice.
    const key = await openBill('USD');
    const connection = await Connection.connect({ address: service.env.TEMPORAL_ADDRESS });
    try {
      const updates = workflowUpdates(new TemporalClient({ connection, namespace: service.env.TEMPORAL_NAMESPACE }));
      const target = { workflowId: billWorkflowId(key.customerId, key.billingPeriod), finished: () => new ConnectError('closed', Code.FailedPrecondition) };
      const answers = await Promise.all(Array.from({ length: 50 }, (_, index) =>
        updates.execute(target, addLineItemsUpdate, [{ idempotencyKey: `flood-${index}`, description: `flood ${index}`, amount: `${index + 1}.01` }])));
      expect(answers.flat().every((answer) => !answer.duplicate)).toBe(true);
      const bill = (await service.client.getBill(key)).bill;
      // Σ (i + 1.01) for i in 0..49 = 1275 + 0.50
      expect(bill?.itemCount).toBe(50);
      expect(bill?.total?.amount).toBe('1275.50');
    } finally {
      await connection.close();
    }
  });
});
