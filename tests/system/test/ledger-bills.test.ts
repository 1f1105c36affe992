import { describe, expect, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill } from './bills-api.ts';
import { balances, topUp, type Entry, type Page } from './ledger-api.ts';

// Bills and the ledger together, through the real gateway, bill-service, worker and PostgreSQL:
// closing a bill posts its invoice into the customer's receivable (the bill workflow does, before
// the bill reads CLOSED), which is then paid from the wallet and refunded.

interface BillWithDue extends Bill {
  amountDue: { amount: string; currency: string };
}

async function closedBill(customer: string, amount: string): Promise<{ path: string; bill: BillWithDue }> {
  const period = futurePeriod();
  await createBill(customer, period);
  const path = billPath(customer, period);
  const open = await call<BillWithDue>('GET', path);
  expect(open.json.amountDue).toEqual({ amount: '0.00', currency: 'USD' });
  expect((await call('POST', `${path}/items`, { body: { description: 'Plan', amount } })).status).toBe(201);
  const closed = await call<BillWithDue>('POST', `${path}/close`);
  expect(closed.status, closed.text).toBe(200);
  expect(closed.json.status).toBe('CLOSED');
  return { path, bill: closed.json };
}

describe('paying a bill from the wallet and refunding it', () => {
  it('invoices a closed bill, pays what it owes from the wallet, and owes a partial refund again', async () => {
    const customer = newCustomer('pay');
    const { path, bill } = await closedBill(customer, '30.00');
    expect(bill.amountDue).toEqual({ amount: '30.00', currency: 'USD' });
    expect((await balances(customer))['receivable USD']).toEqual({ amount: '30.00', currency: 'USD' });
    const invoices = await call<Page<Entry>>('GET', `/v1/customers/${customer}/entries`);
    expect(invoices.json.items).toMatchObject([{ type: 'INVOICE', reference: bill.id }]);

    await topUp(customer, '50.00');
    const paid = await call<Entry>('POST', `${path}/payments`, { body: { source: 'wallet' }, key: `${customer}-pay` });
    expect(paid.status, paid.text).toBe(201);
    expect(paid.json.type).toBe('PAYMENT');
    expect(paid.json.postings.every((posting) => posting.amount.amount === '30.00')).toBe(true);
    expect((await call<BillWithDue>('GET', path)).json.amountDue).toEqual({ amount: '0.00', currency: 'USD' });
    expect(await balances(customer)).toMatchObject({
      'wallet USD': { amount: '20.00', currency: 'USD' },
      'receivable USD': { amount: '0.00', currency: 'USD' },
    });
    const twice = await call<{ code: string }>('POST', `${path}/payments`, { body: { source: 'wallet' } });
    expect(twice.status).toBe(409);
    expect(twice.json.code).toBe('failed_precondition');

    const refunds = `/v1/customers/${customer}/payments/${paid.json.id}/refunds`;
    const wrongCurrency = await call<{ code: string }>('POST', refunds, { body: { amount: '10.00', currency: 'EUR' } });
    expect(wrongCurrency.status).toBe(400);
    const partial = await call<Entry>('POST', refunds, { body: { amount: '10.00', currency: 'USD' } });
    expect(partial.status, partial.text).toBe(201);
    expect(partial.json).toMatchObject({ type: 'REFUND', reference: paid.json.id });
    expect((await call<BillWithDue>('GET', path)).json.amountDue).toEqual({ amount: '10.00', currency: 'USD' });
    const listed = await call<Page<BillWithDue>>('GET', `/v1/customers/${customer}/bills`);
    expect(listed.json.items.map((item) => item.amountDue)).toEqual([{ amount: '10.00', currency: 'USD' }]);
    expect((await balances(customer))['wallet USD']).toEqual({ amount: '30.00', currency: 'USD' });

    const tooMuch = await call<{ code: string }>('POST', refunds, { body: { amount: '20.01', currency: 'USD' } });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.json.code).toBe('failed_precondition');
    const rest = await call<Entry>('POST', refunds);
    expect(rest.status, rest.text).toBe(201);
    expect(rest.json.postings.every((posting) => posting.amount.amount === '20.00')).toBe(true);
    expect((await call<BillWithDue>('GET', path)).json.amountDue).toEqual({ amount: '30.00', currency: 'USD' });
    expect((await call('POST', refunds, { body: { amount: '0.01', currency: 'USD' } })).status).toBe(409);
  });

  it('refuses to pay an open bill or one the wallet cannot cover, and to refund another customer payment', async () => {
    const customer = newCustomer('nopay');
    const period = futurePeriod(3);
    await createBill(customer, period);
    const open = await call<{ code: string }>('POST', `${billPath(customer, period)}/payments`, { body: { source: 'wallet' } });
    expect(open.status).toBe(409);
    expect(open.json.code).toBe('failed_precondition');

    const owner = newCustomer('short');
    const { path } = await closedBill(owner, '5.00');
    await topUp(owner, '4.99');
    const short = await call<{ code: string }>('POST', `${path}/payments`, { body: { source: 'wallet' } });
    expect(short.status).toBe(409);
    await topUp(owner, '0.01');
    const paid = await call<Entry>('POST', `${path}/payments`, { body: { source: 'wallet' } });
    expect(paid.status, paid.text).toBe(201);
    const stranger = await call<{ code: string }>('POST', `/v1/customers/${customer}/payments/${paid.json.id}/refunds`, {});
    expect(stranger.status).toBe(404);
    expect((await call('POST', `/v1/customers/${customer}/bills/2999-12/payments`, { body: { source: 'wallet' } })).status).toBe(404);
  });
});
