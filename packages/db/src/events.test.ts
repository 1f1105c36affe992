import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, deleteEventsBefore, EVENTS_CHANNEL, migrateLatest, recordEvent, recordEvents, type Db } from './index.ts';

let postgres: PostgresHandle;
let db: Db;

beforeAll(async () => {
  postgres = await startPostgres({ temporary: true });
  await migrateLatest(postgres.url);
  db = createDb({ url: postgres.url, poolMax: 12 });
});
afterAll(async () => {
  await db?.destroy();
  await postgres?.stop();
});

const seqsOf = async (customerId: string) =>
  (await db('events').where({ customer_id: customerId }).orderBy('seq').select('seq')).map((row: { seq: string }) => Number(row.seq));

/** Runs `body` while a separate connection listens on the events channel, with the ids announced so far. */
async function whileListening(body: (announced: readonly string[]) => Promise<void>): Promise<void> {
  const listener = new pg.Client({ connectionString: postgres.url });
  await listener.connect();
  const announced: string[] = [];
  listener.on('notification', (message) => announced.push(message.payload ?? ''));
  await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
  try {
    await body(announced);
  } finally {
    await listener.end();
  }
}

describe('the event outbox', () => {
  it('numbers each customer\'s events 1, 2, 3, ... and commits them in that order under concurrent writers', async () => {
    // Commit order is what a listener sees: NOTIFY is delivered at commit, in commit order.
    await whileListening(async (announced) => {
      const writers = Array.from({ length: 30 }, (_, index) => db.transaction(async (trx) => {
        // Half the writers name the customers in the other order: neither order may deadlock.
        const pair = [
          { type: 'bill.created' as const, customerId: 'cust_order_b', data: { writer: index } },
          { type: 'bill.created' as const, customerId: 'cust_order_a', data: { writer: index } },
        ];
        const events = await recordEvents(trx, index % 2 === 0 ? pair : pair.reverse());
        // Work after the event inside the same transaction: a later writer must not overtake it.
        await trx.raw('SELECT pg_sleep(?)', [(index % 3) / 200]);
        return events;
      }));
      await Promise.all(writers);
      await waitFor(() => announced.length >= 60);

      expect(await seqsOf('cust_order_a')).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
      expect(await seqsOf('cust_order_b')).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
      const seqById = new Map((await db('events').whereIn('customer_id', ['cust_order_a', 'cust_order_b']).select('id', 'customer_id', 'seq'))
        .map((row: { id: string; customer_id: string; seq: string }) => [row.id, { customer: row.customer_id, seq: Number(row.seq) }]));
      const committedOrderOfA = announced.map((id) => seqById.get(id)).filter((event) => event?.customer === 'cust_order_a').map((event) => event!.seq);
      expect(committedOrderOfA).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    });
  });

  it('numbers and announces the events of one call in the order given, each customer\'s from its own sequence', async () => {
    await whileListening(async (announced) => {
      await db.transaction(async (trx) => recordEvent(trx, { type: 'bill.created', customerId: 'cust_given_y', data: { n: 0 } }));
      const given = ['x', 'y', 'x', 'x', 'y'].map((who, n) => ({ type: 'bill.item_added' as const, customerId: `cust_given_${who}`, data: { n: n + 1 } }));
      const stored = await db.transaction(async (trx) => recordEvents(trx, given));
      await waitFor(() => announced.length >= 6);

      expect(stored.map((event) => [event.customerId, event.seq, event.data])).toEqual([
        ['cust_given_x', 1n, { n: 1 }], ['cust_given_y', 2n, { n: 2 }], ['cust_given_x', 2n, { n: 3 }],
        ['cust_given_x', 3n, { n: 4 }], ['cust_given_y', 3n, { n: 5 }],
      ]);
      expect(stored.map((event) => event.position)).toEqual([...stored.map((event) => event.position)].sort((a, b) => (a < b ? -1 : 1)));
      expect(announced.slice(1)).toEqual(stored.map((event) => event.id));
    });
  });

  it('writes no event, and uses no sequence number, when the change it belongs to rolls back', async () => {
    await db.transaction(async (trx) => recordEvent(trx, { type: 'ledger.entry_posted', customerId: 'cust_rollback', data: {} }));
    await expect(db.transaction(async (trx) => {
      await recordEvent(trx, { type: 'ledger.entry_posted', customerId: 'cust_rollback', data: { lost: true } });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    await db.transaction(async (trx) => recordEvent(trx, { type: 'ledger.entry_posted', customerId: 'cust_rollback', data: {} }));

    expect(await seqsOf('cust_rollback')).toEqual([1, 2]);
    expect(await db('events').whereRaw(`data->>'lost' = 'true'`).count({ n: '*' }).first()).toEqual({ n: '0' });
  });

  it('refuses an event id or type outside the documented shapes', async () => {
    await expect(db('events').insert({ id: 'evt_x', type: 'bill.created', customer_id: 'c', seq: 1, data: '{}' })).rejects.toThrow(/events_id_check/);
    await expect(db('events').insert({ id: `evt_${'0'.repeat(32)}`, type: 'Bill Created', customer_id: 'c', seq: 1, data: '{}' }))
      .rejects.toThrow(/events_type_check/);
  });

  it('deletes events older than the retention cutoff and keeps newer ones', async () => {
    const [old, recent] = await db.transaction(async (trx) => recordEvents(trx, [
      { type: 'bill.closed', customerId: 'cust_retention', data: {} },
      { type: 'bill.closed', customerId: 'cust_retention', data: {} },
    ]));
    await db('events').where({ id: old!.id }).update({ created_at: new Date('2020-01-01T00:00:00Z') });

    expect(await deleteEventsBefore(db, new Date('2021-01-01T00:00:00Z'), 1)).toBe(1);
    expect((await db('events').where({ customer_id: 'cust_retention' }).select('id')).map((row: { id: string }) => row.id)).toEqual([recent!.id]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries += 1) {
    if (tries > 200) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
