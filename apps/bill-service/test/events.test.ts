import { Code } from '@connectrpc/connect';
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { EventService } from '@billing/contracts';
import { createDb, recordEvents, type Db, type EventType } from '@billing/db';
import { createLogger } from '@billing/runtime';
import { createEventService } from '../src/events/connect.ts';
import { eventFeed, type EventFeed } from '../src/events/event-feed.ts';
import { eventsRepository } from '../src/events/events-repository.ts';
import { newCustomer } from './support/bill-service.ts';
import { failureOf } from './support/failure.ts';

// EventService over the suite's real PostgreSQL and a real LISTEN connection, called in memory.
// The feed's buffer is tiny here so that falling behind it is easy to provoke.

let db: Db;
let feed: EventFeed;
let events: Client<typeof EventService>;

beforeAll(() => {
  db = createDb({ url: inject('databaseUrl'), poolMax: 8 });
  const repository = eventsRepository(db);
  feed = eventFeed(repository, { url: inject('databaseUrl'), logger: createLogger('events-test', 'silent'), bufferLimit: 2 });
  const service = createEventService({ events: repository, feed });
  events = createClient(EventService, createRouterTransport(({ service: serve }) => serve(EventService, service)));
});
afterAll(async () => {
  await feed?.close();
  await db?.destroy();
});

async function write(customerId: string, count: number, type: EventType = 'ledger.entry_posted'): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    await db.transaction((trx) => recordEvents(trx, [{ type, customerId, data: { n: index } }]));
  }
}

/** Reads `count` events of a Subscribe call, then hangs up. */
async function take(request: { customerId: string; afterEventId?: string; types?: string[] }, count: number, whileOpen?: () => Promise<void>) {
  const hangUp = new AbortController();
  const seen: Array<{ id: string; type: string; sequence: bigint }> = [];
  const stream = events.subscribe(request, { signal: hangUp.signal });
  const iterator = stream[Symbol.asyncIterator]();
  try {
    let started = false;
    while (seen.length < count) {
      if (!started && whileOpen && seen.length > 0) {
        started = true;
        await whileOpen();
      }
      const next = await iterator.next();
      if (next.done) break;
      const event = next.value.event!;
      seen.push({ id: event.id, type: event.type, sequence: event.sequence });
    }
  } finally {
    hangUp.abort();
    await iterator.return?.().catch(() => undefined);
  }
  return seen;
}

describe('EventService.Subscribe', () => {
  it('delivers every event in order to a subscriber that fell behind its buffer, reading the table again', async () => {
    const customer = newCustomer('evt-slow');
    await write(customer, 1);
    // The subscriber has its first event, then does not read while 12 more commit (its buffer holds 2).
    const seen = await take({ customerId: customer }, 13, async () => {
      await write(customer, 12);
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    expect(seen.map((event) => event.sequence)).toEqual(Array.from({ length: 13 }, (_, index) => BigInt(index + 1)));
  });

  it('keeps one customer\'s order under concurrent writers and leaves other customers\' events out', async () => {
    const customer = newCustomer('evt-busy');
    const other = newCustomer('evt-other');
    await write(customer, 1);
    const seen = await take({ customerId: customer }, 21, async () => {
      await Promise.all([...Array.from({ length: 4 }, () => write(customer, 5)), write(other, 5)]);
    });
    expect(seen.map((event) => event.sequence)).toEqual(Array.from({ length: 21 }, (_, index) => BigInt(index + 1)));
  });

  it('starts right after afterEventId and passes only the types asked for', async () => {
    const customer = newCustomer('evt-after');
    await write(customer, 2, 'bill.created');
    await write(customer, 2, 'bill.closed');
    const listed = await events.listEvents({ customerId: customer });
    const oldest = listed.events.at(-1)!;
    const seen = await take({ customerId: customer, afterEventId: oldest.id, types: ['bill.closed'] }, 2);
    expect(seen.map((event) => [event.type, event.sequence])).toEqual([['bill.closed', 3n], ['bill.closed', 4n]]);
  });

  it('refuses an unknown type, a malformed id and another customer\'s event as the resume point', async () => {
    const customer = newCustomer('evt-bad');
    const other = newCustomer('evt-bad-other');
    await write(other, 1);
    const [othersEvent] = (await events.listEvents({ customerId: other })).events;
    expect(await failureOf(take({ customerId: customer, types: ['bill.deleted'] }, 1))).toMatchObject({ code: Code.InvalidArgument });
    expect(await failureOf(take({ customerId: customer, afterEventId: 'evt_1' }, 1))).toMatchObject({ code: Code.InvalidArgument });
    expect(await failureOf(take({ customerId: customer, afterEventId: othersEvent!.id }, 1))).toMatchObject({ code: Code.NotFound });
  });
});

describe('EventService.ListEvents and GetEvent', () => {
  it('pages newest first, filters by type, and hides another customer\'s event from a caller acting for one', async () => {
    const customer = newCustomer('evt-list');
    await write(customer, 3, 'bill.created');
    await write(customer, 1, 'bill.failed');
    const first = await events.listEvents({ customerId: customer, limit: 3 });
    expect(first.events.map((event) => event.sequence)).toEqual([4n, 3n, 2n]);
    const second = await events.listEvents({ customerId: customer, limit: 3, cursor: first.nextCursor });
    expect(second.events.map((event) => event.sequence)).toEqual([1n]);
    expect(second.nextCursor).toBeUndefined();
    expect((await events.listEvents({ customerId: customer, type: 'bill.failed' })).events.map((event) => event.type)).toEqual(['bill.failed']);

    const id = first.events[0]!.id;
    expect((await events.getEvent({ id, customerId: customer })).event?.id).toBe(id);
    expect(await failureOf(events.getEvent({ id, customerId: newCustomer('someone-else') }))).toMatchObject({ code: Code.NotFound });
  });
});
