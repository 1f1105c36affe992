import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, migrateLatest, recordEvents, type Db } from './index.ts';

let postgres: PostgresHandle;
let db: Db;

beforeAll(async () => {
  postgres = await startPostgres({ temporary: true });
  await migrateLatest(postgres.url);
  db = createDb({ url: postgres.url, poolMax: 4 });
});
afterAll(async () => {
  await db?.destroy();
  await postgres?.stop();
});

let endpointCount = 0;
async function endpoint(fields: { customer_id?: string | null; event_types: string[]; disabled?: boolean }): Promise<string> {
  endpointCount += 1;
  const id = `we_${endpointCount.toString(16).padStart(32, '0')}`;
  await db('webhook_endpoints').insert({
    id, url: 'https://hooks.example.com/in', event_types: fields.event_types, customer_id: fields.customer_id ?? null,
    disabled: fields.disabled ?? false, disabled_reason: fields.disabled ? 'manual' : null,
  });
  return id;
}

const deliveriesOf = async (endpointId: string) =>
  (await db('webhook_deliveries').where({ endpoint_id: endpointId }).orderBy(['customer_id', 'event_seq'])
    .select('event_type', 'customer_id', 'event_seq', 'status')) as Array<{ event_type: string; customer_id: string; event_seq: string; status: string }>;

describe('webhook fan-out', () => {
  it('owes each matching enabled endpoint one delivery per event, written with the event', async () => {
    const all = await endpoint({ event_types: ['*'] });
    const closedOnly = await endpoint({ event_types: ['bill.closed'] });
    const mine = await endpoint({ customer_id: 'cus_fan_a', event_types: ['*'] });
    const disabled = await endpoint({ event_types: ['*'], disabled: true });

    await db.transaction(async (trx) => recordEvents(trx, [
      { type: 'bill.created', customerId: 'cus_fan_a', data: {} },
      { type: 'bill.closed', customerId: 'cus_fan_a', data: {} },
      { type: 'bill.closed', customerId: 'cus_fan_b', data: {} },
    ]));

    expect((await deliveriesOf(all)).map((row) => [row.event_type, row.customer_id, Number(row.event_seq), row.status])).toEqual([
      ['bill.created', 'cus_fan_a', 1, 'pending'],
      ['bill.closed', 'cus_fan_a', 2, 'pending'],
      ['bill.closed', 'cus_fan_b', 1, 'pending'],
    ]);
    expect((await deliveriesOf(closedOnly)).map((row) => row.customer_id).sort()).toEqual(['cus_fan_a', 'cus_fan_b']);
    expect((await deliveriesOf(mine)).map((row) => row.event_type)).toEqual(['bill.created', 'bill.closed']);
    expect(await deliveriesOf(disabled)).toEqual([]);
  });

  it('owes nothing for an event whose change rolled back', async () => {
    const all = await endpoint({ event_types: ['*'] });
    await expect(db.transaction(async (trx) => {
      await recordEvents(trx, [{ type: 'bill.created', customerId: 'cus_fan_rollback', data: {} }]);
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect(await deliveriesOf(all)).toEqual([]);
  });

  it('announces on the deliveries channel the statements that created deliveries, and no other', async () => {
    // The channel @billing/webhooks names WEBHOOK_DELIVERIES_CHANNEL, which the worker's dispatcher listens to.
    await db('webhook_endpoints').update({ disabled: true, disabled_reason: 'manual' });
    await endpoint({ customer_id: 'cus_fan_loud', event_types: ['*'] });
    const listener = new pg.Client({ connectionString: postgres.url });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (message) => heard.push(message.channel));
      await listener.query('LISTEN billing_webhook_deliveries');
      const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

      await db.transaction(async (trx) => recordEvents(trx, [{ type: 'bill.created', customerId: 'cus_fan_quiet', data: {} }]));
      await settle();
      expect(heard).toEqual([]);

      await db.transaction(async (trx) => recordEvents(trx, [
        { type: 'bill.created', customerId: 'cus_fan_loud', data: {} },
        { type: 'bill.closed', customerId: 'cus_fan_loud', data: {} },
      ]));
      await settle();
      expect(heard).toEqual(['billing_webhook_deliveries']);
    } finally {
      await listener.end();
    }
  });
});
