import { describe, expect, inject, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer } from './bills-api.ts';
import { topUp, walletPath, type Entry } from './ledger-api.ts';
import { grpcurl } from '@billing/devstack';
import { withServiceToken } from './grpcurl.ts';
import { openStream, type SseEvent } from './sse-client.ts';
import { eventsOf, type Event } from './events-api.ts';

// The event outbox through the real gateway, bill-service (EventService), the worker and
// PostgreSQL: every change writes its event with it, reads and the live stream show them in each
// customer's order, and a customer key sees only its own customer's.

/** The resource an SSE message's event carries (its `data:` line is the whole event). */
function resourceOf(message: SseEvent): { id: string } {
  return (message.data as Event).data as { id: string };
}

async function customerKey(customerId: string): Promise<string> {
  const created = await call<{ key: string }>('POST', '/v1/api-keys', { body: { name: `events ${customerId}`, customerId } });
  expect(created.status, created.text).toBe(201);
  return `Bearer ${created.json.key}`;
}

describe('the event outbox', () => {
  it('writes ledger.entry_posted with the entry exactly as the API shows it, and nothing for a refused withdrawal', async () => {
    const customer = newCustomer('evt-ledger');
    const entry = await topUp(customer, '25.00');
    const refused = await call('POST', `${walletPath(customer)}/withdrawals`, { body: { amount: '99.00', currency: 'USD' } });
    expect(refused.status).toBe(409);

    const events = await eventsOf(customer);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'ledger.entry_posted', customerId: customer, data: entry as unknown as Record<string, unknown> });
    expect(events[0]!.id).toMatch(/^evt_[0-9a-f]{32}$/);
    const one = await call<Event>('GET', `/v1/events/${events[0]!.id}`);
    expect(one.json).toEqual(events[0]);
  });

  it('records a bill\'s life as bill.created, bill.item_added per item and bill.closed, in that order', async () => {
    const customer = newCustomer('evt-bill');
    const period = futurePeriod();
    const bill = await createBill(customer, period);
    for (const amount of ['1.00', '2.00']) {
      const added = await call('POST', `${billPath(customer, period)}/items`, { body: { description: `item ${amount}`, amount } });
      expect(added.status, added.text).toBe(201);
    }
    const closed = await call<{ status: string; invoiceNumber: string }>('POST', `${billPath(customer, period)}/close`);
    expect(closed.json.status).toBe('CLOSED');

    const billEvents = (await eventsOf(customer)).filter((event) => event.type.startsWith('bill.'));
    expect(billEvents.map((event) => event.type)).toEqual(['bill.created', 'bill.item_added', 'bill.item_added', 'bill.closing', 'bill.closed']);
    expect(billEvents[0]!.data).toMatchObject({ id: bill.id, status: 'OPEN', itemCount: 0 });
    expect(billEvents.slice(1, 3).map((event) => event.data)).toEqual([
      expect.objectContaining({ billId: bill.id, description: 'item 1.00', amount: { amount: '1.00', currency: 'USD' } }),
      expect.objectContaining({ billId: bill.id, description: 'item 2.00', amount: { amount: '2.00', currency: 'USD' } }),
    ]);
    expect(billEvents[4]!.data).toMatchObject({ id: bill.id, status: 'CLOSED', invoiceNumber: closed.json.invoiceNumber, total: { amount: '3.00', currency: 'USD' } });
  });
});

describe('the event stream', () => {
  it('resumes after Last-Event-ID with exactly the events missed, in order, then live ones', async () => {
    const customer = newCustomer('evt-sse');
    const first = await topUp(customer, '1.00');
    const stream = await openStream(`/v1/events/stream?customerId=${customer}`);
    expect(stream.status).toBe(200);
    const seen = await stream.next();
    expect(seen).toMatchObject({ event: 'ledger.entry_posted', data: { id: seen.id, type: 'ledger.entry_posted', customerId: customer, data: { id: first.id } } });
    stream.close();

    const missed: Entry[] = [];
    for (let index = 0; index < 20; index += 1) missed.push(await topUp(customer, `${index + 2}.00`));

    const resumed = await openStream(`/v1/events/stream?customerId=${customer}`, { lastEventId: seen.id });
    expect(resumed.status).toBe(200);
    const replayed = [];
    for (let index = 0; index < 20; index += 1) replayed.push(await resumed.next());
    expect(replayed.map((event) => resourceOf(event).id)).toEqual(missed.map((entry) => entry.id));
    expect(replayed.map((event) => event.id)).toEqual((await eventsOf(customer)).slice(1).map((event) => event.id));

    const live = await topUp(customer, '99.00');
    expect(resourceOf(await resumed.next())).toMatchObject({ id: live.id });
    resumed.close();
  });

  it('resumes from the lastEventId query parameter as from the header, and filters by type', async () => {
    const customer = newCustomer('evt-query');
    const entries = [await topUp(customer, '1.00'), await topUp(customer, '2.00'), await topUp(customer, '3.00')];
    const events = await eventsOf(customer);
    const stream = await openStream(`/v1/events/stream?customerId=${customer}&types=ledger.entry_posted&lastEventId=${events[0]!.id}`);
    expect(resourceOf(await stream.next())).toMatchObject({ id: entries[1]!.id });
    expect(resourceOf(await stream.next())).toMatchObject({ id: entries[2]!.id });
    stream.close();

    const billsOnly = await openStream(`/v1/events/stream?customerId=${customer}&types=bill.closed`);
    await topUp(customer, '4.00');
    await expect(billsOnly.next(500)).rejects.toThrow(/no event/);
    billsOnly.close();
  });

  it('refuses an unknown or another customer\'s Last-Event-ID with 404 before streaming', async () => {
    const customer = newCustomer('evt-404');
    const other = newCustomer('evt-404-other');
    await topUp(other, '1.00');
    const [othersEvent] = await eventsOf(other);
    const foreign = await call('GET', `/v1/events/stream?customerId=${customer}&lastEventId=${othersEvent!.id}`);
    expect(foreign.status).toBe(404);
    const malformed = await call('GET', `/v1/events/stream?customerId=${customer}&lastEventId=evt_nope`);
    expect(malformed.status).toBe(400);
  });
});

describe('billing.v1.EventService/Subscribe', () => {
  it('tails a customer\'s events with grpcurl until the caller\'s deadline', async () => {
    const customer = newCustomer('evt-grpc');
    const entry = await topUp(customer, '3.00');
    // The stream never ends by itself: grpcurl stops at its deadline, having printed what arrived.
    const ended = await grpcurl(inject('billServiceAddress'), ['billing.v1.EventService/Subscribe'], {
      data: { customerId: customer }, headers: withServiceToken(inject('serviceToken')), maxTimeSeconds: 2,
    });
    expect(ended.exitCode).not.toBe(0);
    expect(ended.stderr).toMatch(/DeadlineExceeded/);
    expect(JSON.parse(ended.stdout)).toMatchObject({
      event: { type: 'ledger.entry_posted', customerId: customer, sequence: '1', data: { id: entry.id } },
    });
  });
});

describe('events under a customer key', () => {
  it('lists, reads and streams only its own customer\'s events: 403 for another customer, 404 for another\'s event', async () => {
    const mine = newCustomer('evt-mine');
    const theirs = newCustomer('evt-theirs');
    await topUp(mine, '1.00');
    await topUp(theirs, '1.00');
    const key = await customerKey(mine);
    const [theirEvent] = await eventsOf(theirs);

    const own = await call<{ items: Event[] }>('GET', `/v1/events?customerId=${mine}`, { authorization: key });
    expect(own.status).toBe(200);
    expect(own.json.items.map((event) => event.customerId)).toEqual([mine]);
    expect((await call('GET', `/v1/events?customerId=${theirs}`, { authorization: key })).status).toBe(403);
    expect((await call('GET', '/v1/events', { authorization: key })).status).toBe(403);
    expect((await call('GET', `/v1/events/${theirEvent!.id}`, { authorization: key })).status).toBe(404);

    const stream = await openStream(`/v1/events/stream?customerId=${theirs}`, { authorization: key });
    expect(stream.status).toBe(403);
    stream.close();
    const ownStream = await openStream(`/v1/events/stream?customerId=${mine}`, { authorization: key });
    expect(ownStream.status).toBe(200);
    expect(await ownStream.next()).toMatchObject({ event: 'ledger.entry_posted' });
    ownStream.close();
  });
});
