import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { billPath, call, futurePeriod, newCustomer, type Bill, type Money } from './bills-api.ts';
import { grpcurl } from '@billing/devstack';
import { answered, withServiceToken } from './grpcurl.ts';
import { mandatesPath, todayUtc, type Mandate } from './mandates-api.ts';

// What the platform books in the ledger by itself: a bill closed through the real gateway posts
// its INVOICE, a mandate collection its PAYMENT. The ledger and the bill's amountDue are read from
// bill-service over gRPC with grpcurl, as an operator would.

const billService = inject('billServiceAddress');

interface LedgerEntry {
  id: string;
  type: string;
  idempotencyKey: string;
  reference?: string;
  postings: Array<{ accountId: string; direction: string; amount: Money }>;
}

async function grpc<T>(method: string, body: unknown): Promise<T> {
  return JSON.parse(answered(await grpcurl(billService, [method], { data: body, headers: withServiceToken(inject('serviceToken')) }))) as T;
}

async function entriesOf(customerId: string): Promise<LedgerEntry[]> {
  return (await grpc<{ entries?: LedgerEntry[] }>('billing.v1.LedgerService/ListEntries', { customerId })).entries ?? [];
}

async function amountDue(customerId: string, billingPeriod: string): Promise<Money | undefined> {
  return (await grpc<{ bill?: { amountDue?: Money } }>('billing.v1.BillService/GetBill', { customerId, billingPeriod })).bill?.amountDue;
}

describe('the ledger takes what the platform posts', () => {
  it('books a closed bill\'s INVOICE of its total, so the bill owes its total', async () => {
    const customer = newCustomer('invoice');
    const period = futurePeriod();
    const path = billPath(customer, period);
    expect((await call('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'EUR', billingPeriod: period } })).status).toBe(201);
    await call('POST', `${path}/items`, { body: { description: 'Seats', quantity: '4', unitPrice: '12.125' } });
    await call('POST', `${path}/items`, { body: { description: 'Support', amount: '0.99' } });
    expect(await entriesOf(customer)).toEqual([]);

    const closed = await call<Bill>('POST', `${path}/close`);
    expect(closed.json).toMatchObject({ status: 'CLOSED', total: { amount: '49.49', currency: 'EUR' } });
    const fetched = await call<Bill>('GET', path);
    expect(fetched.json).toMatchObject({ status: 'CLOSED', total: { amount: '49.49', currency: 'EUR' } });
    expect(await amountDue(customer, period)).toEqual({ amount: '49.49', currency: 'EUR' });

    const entries = await entriesOf(customer);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: 'ENTRY_TYPE_INVOICE', reference: closed.json.id });
    expect(entries[0]?.postings).toEqual(expect.arrayContaining([
      { accountId: `acc_receivable_EUR_${customer}`, direction: 'DIRECTION_DEBIT', amount: { amount: '49.49', currency: 'EUR' } },
      { accountId: 'acc_revenue_EUR', direction: 'DIRECTION_CREDIT', amount: { amount: '49.49', currency: 'EUR' } },
    ]));

    // Closing again changes nothing in the books.
    expect((await call<Bill>('POST', `${path}/close`)).status).toBe(200);
    expect(await entriesOf(customer)).toHaveLength(1);
  });

  it('books a mandate collection as a PAYMENT, and its bill, once closed, owes nothing for it', async () => {
    const customer = newCustomer('collected');
    const today = todayUtc();
    const created = await call<Mandate>('POST', mandatesPath(customer), {
      body: { description: 'Gym membership', amount: '25.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: today, timeZone: 'UTC' },
    });
    expect(created.status).toBe(201);
    const key = `mandate:${created.json.id}:1`;
    let entries: LedgerEntry[] = [];
    for (let tries = 0; tries < 120 && !entries.some((entry) => entry.type === 'ENTRY_TYPE_PAYMENT'); tries += 1) {
      await sleep(250);
      entries = await entriesOf(customer);
    }
    const payment = entries.find((entry) => entry.type === 'ENTRY_TYPE_PAYMENT');
    expect(payment).toMatchObject({ idempotencyKey: key });
    expect(payment?.postings).toEqual(expect.arrayContaining([
      { accountId: 'acc_external_USD_simulator', direction: 'DIRECTION_DEBIT', amount: { amount: '25.00', currency: 'USD' } },
      { accountId: `acc_receivable_USD_${customer}`, direction: 'DIRECTION_CREDIT', amount: { amount: '25.00', currency: 'USD' } },
    ]));
    const mandate = (await call<Mandate>('GET', `${mandatesPath(customer)}/${created.json.id}`)).json;
    expect(payment?.reference).toBe(mandate.lastCollection?.paymentReference);

    // The collection is the only item on this period's bill: closed, it owes 0.00.
    const path = billPath(customer, today.slice(0, 7));
    const closed = await call<Bill>('POST', `${path}/close`);
    expect(closed.json).toMatchObject({ status: 'CLOSED', total: { amount: '25.00', currency: 'USD' } });
    expect(await amountDue(customer, today.slice(0, 7))).toEqual({ amount: '0.00', currency: 'USD' });
    expect((await entriesOf(customer)).map((entry) => entry.type).sort()).toEqual(['ENTRY_TYPE_INVOICE', 'ENTRY_TYPE_PAYMENT']);
    await call('POST', `${mandatesPath(customer)}/${created.json.id}/cancel`);
  });
});
