import { Code } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frequency, type CreateMandateRequestSchema } from '@billing/contracts';
import { futurePeriod, newCustomer, startTestBillService, type TestBillService } from './support/bill-service.ts';
import { startTestMandateService, type TestMandateService } from './support/mandate-service.ts';
import { failureOf } from './support/failure.ts';

// Bills, their items and mandates are ISO 4217 money: a registered non-fiat unit (LEDGER_UNITS) is
// refused as one, and a deployment's BILL_CURRENCIES list is enforced, each a 400 naming the field.

type CreateMandateRequest = MessageInitShape<typeof CreateMandateRequestSchema>;

const RESTRICTED = { BILL_CURRENCIES: 'USD,EUR' };

let bills: TestBillService;
let restrictedBills: TestBillService;
let goldBills: TestBillService;
let mandates: TestMandateService;
let restrictedMandates: TestMandateService;

beforeAll(async () => {
  [bills, restrictedBills, goldBills, mandates, restrictedMandates] = await Promise.all([
    startTestBillService(),
    startTestBillService(RESTRICTED),
    startTestBillService({ LEDGER_UNITS: 'GOLD:3' }),
    startTestMandateService(),
    startTestMandateService(undefined, { extra: RESTRICTED }),
  ]);
});
afterAll(async () => {
  await Promise.all([bills, restrictedBills, goldBills, mandates, restrictedMandates].map((service) => service?.close()));
});

async function billRows(service: TestBillService, customerId: string) {
  return service.db('bills').where('customer_id', customerId);
}

async function openBill(service: TestBillService, currency: string) {
  const key = { customerId: newCustomer('cur'), billingPeriod: futurePeriod() };
  const { bill } = await service.client.createBill({ ...key, currency, timeZone: 'UTC' });
  return { key, billId: bill?.id ?? '' };
}

async function itemCount(service: TestBillService, billId: string): Promise<number> {
  const [row] = await service.db('line_items').where({ bill_id: billId }).count<[{ count: string }]>('* as count');
  return Number(row?.count);
}

function mandateRequest(customerId: string, overrides: CreateMandateRequest = {}): CreateMandateRequest {
  return {
    customerId, idempotencyKey: '', description: 'Gym membership', amount: '25', currency: 'USD', frequency: Frequency.MONTHLY,
    firstCollectionDate: '2031-01-31', timeZone: 'UTC', collectionTime: '09:30', autoExecution: true, reminderDaysBefore: 0,
    ...overrides,
  };
}

describe('a bill in a non-fiat unit', () => {
  it.each(['BTC', 'ETH', 'POINTS'])('refuses a %s bill as a registered non-fiat unit, writing nothing', async (code) => {
    const customerId = newCustomer('unit');
    const failure = await failureOf(bills.client.createBill({ customerId, billingPeriod: futurePeriod(), currency: code, timeZone: 'UTC' }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toBe(`currency: ${code} is a registered non-fiat unit; bills take ISO 4217 currencies only`);
    expect(await billRows(bills, customerId)).toEqual([]);
  });

  it('refuses a unit the deployment registered in LEDGER_UNITS, and no longer treats BTC as one', async () => {
    const gold = await failureOf(goldBills.client.createBill({
      customerId: newCustomer('gold'), billingPeriod: futurePeriod(), currency: 'GOLD', timeZone: 'UTC',
    }));
    expect(gold.rawMessage).toBe('currency: GOLD is a registered non-fiat unit; bills take ISO 4217 currencies only');
    const btc = await failureOf(goldBills.client.createBill({
      customerId: newCustomer('gold'), billingPeriod: futurePeriod(), currency: 'BTC', timeZone: 'UTC',
    }));
    expect(btc.rawMessage).toBe('currency: "BTC" is not an ISO 4217 currency');
  });

  it('keeps refusing an unknown code as not ISO 4217', async () => {
    const failure = await failureOf(bills.client.createBill({
      customerId: newCustomer('unknown'), billingPeriod: futurePeriod(), currency: 'XYZ', timeZone: 'UTC',
    }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toBe('currency: "XYZ" is not an ISO 4217 currency');
  });

  it('reports the unit beside the other fields at fault', async () => {
    const failure = await failureOf(bills.client.createBill({ customerId: '', billingPeriod: '2031-13', currency: 'ETH', timeZone: 'UTC' }));
    expect(failure.rawMessage).toMatch(/^customerId: .*; billingPeriod: .*; currency: ETH is a registered non-fiat unit/);
  });
});

describe('an item in a non-fiat unit', () => {
  it.each([
    ['POINTS', { amount: '10' }],
    ['BTC', { amount: '0.5' }],
    ['ETH', { quantity: '2', unitPrice: '0.25' }],
  ])('refuses a %s item on a USD bill, asking no rate and writing nothing', async (code, price) => {
    const { key, billId } = await openBill(bills, 'USD');
    const ratesBefore = await bills.db('exchange_rates').count<[{ count: string }]>('* as count');
    const failure = await failureOf(bills.client.addLineItem({
      ...key, idempotencyKey: `unit-${code}`, description: 'Reward', currency: code, metadata: {}, ...price,
    }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toBe(`currency: ${code} is a registered non-fiat unit; bills and their items take ISO 4217 currencies only`);
    expect(await itemCount(bills, billId)).toBe(0);
    expect(await bills.db('exchange_rates').count<[{ count: string }]>('* as count')).toEqual(ratesBefore);
  });

  it('names the unit in place of the currency among the item problems', async () => {
    const { key } = await openBill(bills, 'USD');
    const failure = await failureOf(bills.client.addLineItem({
      ...key, idempotencyKey: 'unit-bad', description: '', currency: 'POINTS', amount: '10', metadata: { 'no spaces': 'x' },
    }));
    const message = failure.rawMessage;
    const unit = 'currency: POINTS is a registered non-fiat unit; bills and their items take ISO 4217 currencies only; ';
    expect(message.indexOf('description: ')).toBe(0);
    expect(message.indexOf(unit)).toBeGreaterThan(0);
    expect(message.indexOf('metadata.no spaces: ')).toBe(message.indexOf(unit) + unit.length);
    expect(message).not.toContain('ISO 4217 currency code');
  });
});

describe('BILL_CURRENCIES restricts the currencies bills accept', () => {
  it('refuses a GEL bill naming the accepted currencies, writing nothing', async () => {
    const customerId = newCustomer('gel');
    const failure = await failureOf(restrictedBills.client.createBill({ customerId, billingPeriod: futurePeriod(), currency: 'GEL', timeZone: 'UTC' }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toBe('currency: GEL is not accepted on bills here; accepted currencies: EUR, USD');
    expect(await billRows(restrictedBills, customerId)).toEqual([]);
  });

  it('still refuses a unit as a unit, not as a currency off the list', async () => {
    const failure = await failureOf(restrictedBills.client.createBill({
      customerId: newCustomer('btc'), billingPeriod: futurePeriod(), currency: 'BTC', timeZone: 'UTC',
    }));
    expect(failure.rawMessage).toBe('currency: BTC is a registered non-fiat unit; bills take ISO 4217 currencies only');
  });

  it('opens a USD bill and takes EUR items into it, but refuses a GEL item naming the list', async () => {
    const { key, billId } = await openBill(restrictedBills, 'USD');
    const eur = await restrictedBills.client.addLineItem({ ...key, idempotencyKey: 'eur', description: 'Seats', currency: 'EUR', amount: '4.00', metadata: {} });
    expect(eur.item?.amount).toMatchObject({ amount: '4.00', currency: 'EUR' });
    const failure = await failureOf(restrictedBills.client.addLineItem({
      ...key, idempotencyKey: 'gel', description: 'Fee', currency: 'GEL', amount: '1.00', metadata: {},
    }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toBe('currency: GEL is not accepted on bills and their items here; accepted currencies: EUR, USD');
    expect(await itemCount(restrictedBills, billId)).toBe(1);
  });

  it('takes items in the currency of a bill opened before the list was restricted', async () => {
    const { key } = await openBill(bills, 'GEL');
    const item = await restrictedBills.client.addLineItem({ ...key, idempotencyKey: 'own', description: 'Fee', currency: 'GEL', amount: '1.00', metadata: {} });
    expect(item.item?.amount).toMatchObject({ amount: '1.00', currency: 'GEL' });
  });
});

describe('mandates', () => {
  it.each(['BTC', 'POINTS'])('refuses a mandate in %s as a registered non-fiat unit, writing nothing', async (code) => {
    const customerId = newCustomer('mnd-unit');
    const failure = await failureOf(mandates.mandates.createMandate(mandateRequest(customerId, { currency: code })));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toBe(`currency: ${code} is a registered non-fiat unit; mandates take ISO 4217 currencies only`);
    expect(await mandates.db('mandates').where('customer_id', customerId)).toEqual([]);
  });

  it('refuses a change of currency to a unit', async () => {
    const customerId = newCustomer('mnd-change');
    const { mandate } = await mandates.mandates.createMandate(mandateRequest(customerId));
    const failure = await failureOf(mandates.mandates.updateMandate({ customerId, mandateId: mandate?.id ?? '', currency: 'ETH', amount: '1' }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toBe('currency: ETH is a registered non-fiat unit; mandates take ISO 4217 currencies only');
  });

  it('refuses a mandate, or a change, in a currency BILL_CURRENCIES does not list, naming the list', async () => {
    const customerId = newCustomer('mnd-gel');
    const refused = await failureOf(restrictedMandates.mandates.createMandate(mandateRequest(customerId, { currency: 'GEL' })));
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(refused.rawMessage).toBe('currency: GEL is not accepted on mandates here; accepted currencies: EUR, USD');
    expect(await restrictedMandates.db('mandates').where('customer_id', customerId)).toEqual([]);

    const { mandate } = await restrictedMandates.mandates.createMandate(mandateRequest(customerId, { currency: 'EUR' }));
    const change = await failureOf(restrictedMandates.mandates.updateMandate({ customerId, mandateId: mandate?.id ?? '', currency: 'GEL' }));
    expect(change.rawMessage).toBe('currency: GEL is not accepted on mandates here; accepted currencies: EUR, USD');
  });
});
