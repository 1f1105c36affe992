import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, migrateLatest, type Db } from './index.ts';

let pg: PostgresHandle;
let db: Db;

beforeAll(async () => {
  pg = await startPostgres({ temporary: true });
  await migrateLatest(pg.url);
  db = createDb({ url: pg.url });
});
afterAll(async () => {
  await db?.destroy();
  await pg?.stop();
});

async function partitions(): Promise<string[]> {
  const { rows } = await db.raw(`
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'usage_events'::regclass ORDER BY c.relname`) as { rows: Array<{ relname: string }> };
  return rows.map((row) => row.relname);
}

describe('usage schema', () => {
  it('refuses to change the meaning of a metric once events were sent for it, but not its name', async () => {
    await db('usage_metrics').insert({ code: 'api_calls', name: 'API calls', aggregation: 'SUM', field: 'n' });
    // Unreferenced: its meaning may still change.
    await db('usage_metrics').where({ code: 'api_calls' }).update({ aggregation: 'MAX', version: 2 });
    await db('usage_metrics').where({ code: 'api_calls' }).update({ referenced_at: db.fn.now() });
    await expect(db('usage_metrics').where({ code: 'api_calls' }).update({ aggregation: 'SUM' }))
      .rejects.toThrow(/meaning cannot change/);
    await expect(db('usage_metrics').where({ code: 'api_calls' }).update({ filters: JSON.stringify([{ key: 'r', values: ['x'] }]) }))
      .rejects.toThrow(/meaning cannot change/);
    await db('usage_metrics').where({ code: 'api_calls' }).update({ name: 'Calls to the API' });
    expect(await db('usage_metrics').where({ code: 'api_calls' }).first('name', 'aggregation', 'version'))
      .toEqual({ name: 'Calls to the API', aggregation: 'MAX', version: 2 });
  });

  it('makes monthly partitions ahead, once, and drops only those that end by the cutoff', async () => {
    expect(await db.raw(`SELECT usage_events_ensure_partitions('2041-01-15Z', '2041-03-01Z') AS made`))
      .toMatchObject({ rows: [{ made: 3 }] });
    expect(await db.raw(`SELECT usage_events_ensure_partitions('2041-01-15Z', '2041-03-01Z') AS made`))
      .toMatchObject({ rows: [{ made: 0 }] });
    expect(await partitions()).toEqual(expect.arrayContaining(['usage_events_p204101', 'usage_events_p204102', 'usage_events_p204103']));
    await db('usage_events').insert({ customer_id: 'c', transaction_id: 't', metric_code: 'api_calls', metric_version: 1, ts: '2041-02-28T23:59:59.999Z' });
    // An event outside every partition is refused by PostgreSQL itself.
    await expect(db('usage_events').insert({ customer_id: 'c', transaction_id: 'u', metric_code: 'api_calls', metric_version: 1, ts: '2042-06-01Z' }))
      .rejects.toThrow(/no partition/);

    const dropped = await db.raw(`SELECT usage_events_drop_partitions_before('2041-03-01Z') AS name`) as { rows: Array<{ name: string }> };
    const names = dropped.rows.map((row) => row.name);
    expect(names).toEqual(expect.arrayContaining(['usage_events_p204101', 'usage_events_p204102']));
    expect(names).not.toContain('usage_events_p204103');
    expect(await partitions()).toContain('usage_events_p204103');
    expect(await db('usage_events').where({ transaction_id: 't' })).toEqual([]);
  });

  it('keeps one deduplication key per customer and transaction id across all partitions', async () => {
    const insert = (customer: string) => db.raw(`
      INSERT INTO usage_event_keys (customer_id, transaction_id) VALUES (?, 'tx-1') ON CONFLICT DO NOTHING RETURNING transaction_id`, [customer]);
    expect((await insert('a') as { rows: unknown[] }).rows).toHaveLength(1);
    expect((await insert('a') as { rows: unknown[] }).rows).toHaveLength(0);
    expect((await insert('b') as { rows: unknown[] }).rows).toHaveLength(1);
  });
});
