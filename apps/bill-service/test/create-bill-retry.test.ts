// createBill retried with its Idempotency-Key after its first attempt made the bill (the answer
// lost, the gateway's record of the key gone or never written): the retry reaches bill-service
// again, as these calls do, and is answered with the bill; a create for the period under another
// key, or none, is still refused as already existing.
import { toJson } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillSchema, type Bill } from '@billing/contracts';
import { failureOf } from './support/failure.ts';
import { futurePeriod, newCustomer, startTestBillService, type TestBillService } from './support/bill-service.ts';

let service: TestBillService;
beforeAll(async () => {
  service = await startTestBillService();
});
afterAll(async () => {
  await service?.close();
});

const json = (bill: Bill | undefined) => toJson(BillSchema, bill as Bill);

async function createdEvents(customerId: string): Promise<number> {
  const [row] = await service.db('events').where({ customer_id: customerId, type: 'bill.created' }).count<{ count: string }[]>({ count: '*' });
  return Number(row?.count);
}

describe('createBill sent again', () => {
  it('answers the bill it made under the same key, and refuses another key or none', async () => {
    const key = { customerId: newCustomer('create-retry'), billingPeriod: futurePeriod() };
    const first = await service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: 'open-1' });
    const again = await service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: 'open-1' });
    expect(json(again.bill)).toEqual(json(first.bill));
    expect(await createdEvents(key.customerId)).toBe(1);

    for (const idempotencyKey of ['open-2', '']) {
      const refused = await failureOf(service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey }));
      expect(refused.code).toBe(Code.AlreadyExists);
    }
    // The same key asking for another bill (another currency) is not a retry of the first.
    expect((await failureOf(service.client.createBill({ ...key, currency: 'EUR', timeZone: 'UTC', idempotencyKey: 'open-1' }))).code)
      .toBe(Code.AlreadyExists);
  });

  it('refuses a bill created without a key, whatever key the next create brings', async () => {
    const key = { customerId: newCustomer('create-nokey'), billingPeriod: futurePeriod() };
    await service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: '' });
    expect((await failureOf(service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: 'late-key' }))).code)
      .toBe(Code.AlreadyExists);
  });

  it('answers the bill when the first attempt died after starting the workflow, whose row came without the key', async () => {
    const key = { customerId: newCustomer('create-crash'), billingPeriod: futurePeriod() };
    const first = await service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: 'open-crash' });
    // What that crash leaves: the row the workflow wrote for itself, which does not carry the key.
    await service.db('bills').where({ id: first.bill?.id }).update({ create_idempotency_key: null });

    const again = await service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: 'open-crash' });
    expect(again.bill?.id).toBe(first.bill?.id);
    expect(await service.db('bills').where({ id: first.bill?.id }).first('create_idempotency_key'))
      .toEqual({ create_idempotency_key: 'open-crash' });
    expect((await failureOf(service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: 'open-other' }))).code)
      .toBe(Code.AlreadyExists);
  });

  it('answers the bill when the first attempt died between starting the workflow and writing the row, and writes the row then', async () => {
    const key = { customerId: newCustomer('create-norow'), billingPeriod: futurePeriod() };
    const first = await service.client.createBill({ ...key, currency: 'EUR', timeZone: 'Europe/Paris', idempotencyKey: 'open-norow' });
    // What that crash leaves: a running workflow and no row (the workflow bill-service starts does not write it when it starts).
    const written = await service.db('bills').where({ id: first.bill?.id }).first();
    await service.db('events').where({ customer_id: key.customerId }).delete();
    await service.db('bills').where({ id: first.bill?.id }).delete();

    const again = await service.client.createBill({ ...key, currency: 'EUR', timeZone: 'Europe/Paris', idempotencyKey: 'open-norow' });
    expect(json(again.bill)).toEqual(json(first.bill));
    expect(await service.db('bills').where({ id: first.bill?.id }).first()).toEqual({ ...written, updated_at: expect.any(Date) });
    expect(await createdEvents(key.customerId)).toBe(1);
  });

  it('writes the row of a workflow left without one when a create under another key is refused, so the bill is readable', async () => {
    const key = { customerId: newCustomer('create-norow-other'), billingPeriod: futurePeriod() };
    const first = await service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: '' });
    await service.db('events').where({ customer_id: key.customerId }).delete();
    await service.db('bills').where({ id: first.bill?.id }).delete();

    const refused = await failureOf(service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: '' }));
    expect(refused.code).toBe(Code.AlreadyExists);
    const read = await service.client.getBill(key);
    expect(json(read.bill)).toEqual(json(first.bill));
  });

  it('refuses a malformed key', async () => {
    const key = { customerId: newCustomer('create-badkey'), billingPeriod: futurePeriod() };
    const refused = await failureOf(service.client.createBill({ ...key, currency: 'USD', timeZone: 'UTC', idempotencyKey: 'bad\nkey' }));
    expect(refused.code).toBe(Code.InvalidArgument);
  });
});
