import { describe, expect, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer } from './bills-api.ts';
import { theEvent } from './events-api.ts';
import { topUp } from './ledger-api.ts';
import { daysAhead, mandatesPath, type Mandate } from './mandates-api.ts';

// The data of an event is the resource exactly as the REST API shows it at the moment of the
// change, through the real gateway, bill-service, worker and PostgreSQL: compared field for field
// with a read made right after, and then with what legitimately moves on once the event is written.

type Json = Record<string, unknown>;

/** A read of one bill adds its items to what a list (and an event) shows. */
function summaryOf(bill: Json): Json {
  const { items: _items, ...summary } = bill;
  return summary;
}

describe('the data of bill events', () => {
  it('is the bill as GET shows it right after bill.created and right after bill.closed, owing its total when closed', async () => {
    const customer = newCustomer('evt-data-bill');
    const period = futurePeriod();
    const path = billPath(customer, period);
    await createBill(customer, period);
    const opened = await call<Json>('GET', path);
    expect((await theEvent(customer, 'bill.created')).data).toEqual(summaryOf(opened.json));

    for (const body of [{ description: 'Plan ✓', amount: '30.00' }, { description: 'Seats', quantity: '3', unitPrice: '2.335', metadata: { seat: 'x' } }]) {
      expect((await call('POST', `${path}/items`, { body })).status).toBe(201);
    }
    expect((await call('POST', `${path}/close`)).status).toBe(200);
    const closedRead = await call<Json>('GET', path);
    const closed = (await theEvent(customer, 'bill.closed')).data;
    expect(closed).toEqual(summaryOf(closedRead.json));
    expect(closed).toMatchObject({ status: 'CLOSED', total: { amount: '37.00', currency: 'USD' }, amountDue: { amount: '37.00', currency: 'USD' } });
    const listed = await call<{ items: Json[] }>('GET', `/v1/customers/${customer}/bills`);
    expect(listed.json.items).toEqual([closed]);

    // A payment lowers what a read says is due; the event keeps what was true when the bill closed.
    await topUp(customer, '50.00');
    expect((await call('POST', `${path}/payments`, { body: { source: 'wallet' }, key: `${customer}-pay` })).status).toBe(201);
    const paidRead = await call<Json>('GET', path);
    expect(summaryOf(paidRead.json)).toEqual({ ...closed, amountDue: { amount: '0.00', currency: 'USD' } });
    expect((await theEvent(customer, 'bill.closed')).data).toEqual(closed);
  });
});

describe('the data of mandate events', () => {
  it('is the mandate as GET shows it right after mandate.created and after a pause', async () => {
    const customer = newCustomer('evt-data-mnd');
    const created = await call<Mandate>('POST', mandatesPath(customer), {
      body: {
        description: 'Gym – 月額', amount: '25.00', currency: 'EUR', frequency: 'MONTHLY', firstCollectionDate: daysAhead(40),
        timeZone: 'Europe/Berlin', collectionTime: '08:15', endDate: daysAhead(400), reminderDaysBefore: 2,
      },
    });
    expect(created.status, created.text).toBe(201);
    const path = `${mandatesPath(customer)}/${created.json.id}`;
    const event = await theEvent(customer, 'mandate.created');
    const read = await call<Mandate>('GET', path);
    expect(event.data).toEqual(read.json);
    expect(event.data).not.toHaveProperty('revision');
    expect((event.data as unknown as Mandate).nextCollections).toHaveLength(3);

    const paused = await call<Mandate>('POST', `${path}/pause`, { body: { resumeOn: daysAhead(100) } });
    expect(paused.status, paused.text).toBe(200);
    const updated = await theEvent(customer, 'mandate.updated');
    expect(updated.data).toEqual((await call<Mandate>('GET', path)).json);
    expect(updated.data).toMatchObject({ status: 'PAUSED', pausedUntil: daysAhead(100) });
  });
});
