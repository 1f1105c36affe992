import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, migrateLatest, migrationSource, readMigrations } from './index.ts';

let pg: PostgresHandle;

beforeAll(async () => {
  pg = await startPostgres({ temporary: true });
});
afterAll(async () => {
  await pg?.stop();
});

describe('migrations', () => {
  it('apply once and are a no-op the second time, keeping currency codes written before as unpadded text', async () => {
    const db = createDb({ url: pg.url });
    try {
      // The state before currency codes became text: a bill, an item and a rate in char(3) columns.
      const source = migrationSource(await readMigrations());
      await db.migrate.up({ migrationSource: source });
      await db.migrate.up({ migrationSource: source });
      await db('bills').insert({
        id: 'bill_old', customer_id: 'c0', billing_period: '2030-01', currency: 'GEL', time_zone: 'UTC',
        status: 'OPEN', period_start: '2030-01-01T00:00:00Z', period_end: '2030-02-01T00:00:00Z', workflow_id: 'w0',
      });
      await db('exchange_rates').insert({ id: 'rate_old', base: 'USD', quote: 'GEL', rate: '2.7', source: 's', as_of: '2030-01-01T00:00:00Z' });
      await db('line_items').insert({
        id: 'li_old', bill_id: 'bill_old', seq: 1, idempotency_key: 'k', description: 'd', quantity: '1', unit_price: '1',
        currency: 'USD', amount_minor: '100', converted_minor: '270', rate: '2.7', rate_id: 'rate_old', added_at: '2030-01-02T00:00:00Z',
      });
    } finally {
      await db.destroy();
    }
    // Every later migration, in order (a new one joins this list by existing).
    const later = (await readMigrations()).map((migration) => migration.name).filter((name) => name > '0003');
    expect(later.slice(0, 10)).toEqual(['0003_currency_codes_as_text', '0004_mandates', '0005_ledger', '0006_ledger_operations', '0007_api_keys', '0008_events', '0009_webhooks', '0010_bill_create_keys', '0011_gateway_leases_and_key_changes', '0012_usage']);
    expect((await migrateLatest(pg.url)).applied).toEqual(later);
    expect((await migrateLatest(pg.url)).applied).toEqual([]);

    const after = createDb({ url: pg.url });
    try {
      const { rows } = await after.raw(`
        SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE column_name IN ('currency', 'base', 'quote') AND table_schema = current_schema()
         ORDER BY table_name, column_name`);
      // Every currency column of every table, later ones included, is text: none is padded char(n).
      expect(rows.filter((row: { data_type: string }) => row.data_type !== 'text')).toEqual([]);
      expect(rows).toEqual(expect.arrayContaining([
        { table_name: 'bills', column_name: 'currency', data_type: 'text' },
        { table_name: 'exchange_rates', column_name: 'base', data_type: 'text' },
        { table_name: 'exchange_rates', column_name: 'quote', data_type: 'text' },
        { table_name: 'line_items', column_name: 'currency', data_type: 'text' },
      ]));
      expect(await after('bills').where({ id: 'bill_old' }).first('currency')).toEqual({ currency: 'GEL' });
      expect(await after('line_items').where({ id: 'li_old' }).first('currency')).toEqual({ currency: 'USD' });
      expect(await after('exchange_rates').where({ id: 'rate_old' }).first('base', 'quote')).toEqual({ base: 'USD', quote: 'GEL' });
    } finally {
      await after.destroy();
    }
  });

  it.each(['US ', 'usd', 'USDX', 'U'])('refuses the currency code %j instead of storing it padded or loose', async (code) => {
    const db = createDb({ url: pg.url });
    try {
      await expect(db('bills').insert({
        id: `bill_${code}`, customer_id: 'c2', billing_period: '2030-03', currency: code, time_zone: 'UTC',
        status: 'OPEN', period_start: '2030-03-01T00:00:00Z', period_end: '2030-04-01T00:00:00Z', workflow_id: 'w2',
      })).rejects.toThrow(/bills_currency_code/);
    } finally {
      await db.destroy();
    }
  });

  it('make a closed bill immutable in the database itself', async () => {
    const db = createDb({ url: pg.url });
    try {
      await db('bills').insert({
        id: 'bill_test', customer_id: 'c1', billing_period: '2030-01', currency: 'USD', time_zone: 'UTC',
        status: 'CLOSED', period_start: '2030-01-01T00:00:00Z', period_end: '2030-02-01T00:00:00Z', workflow_id: 'w',
      });
      await expect(db('bills').where({ id: 'bill_test' }).update({ total_minor: '1' })).rejects.toThrow(/closed/);
    } finally {
      await db.destroy();
    }
  });
});

describe('exchange rates', () => {
  it('are immutable once stored', async () => {
    const db = createDb({ url: pg.url });
    try {
      await db('exchange_rates').insert({ id: 'rate_test', base: 'USD', quote: 'GEL', rate: '2.7150', source: 'static', as_of: '2026-11-02T00:00:00Z' });
      await expect(db('exchange_rates').where({ id: 'rate_test' }).update({ rate: '3' })).rejects.toThrow(/immutable/);
      await expect(db('exchange_rates').where({ id: 'rate_test' }).delete()).rejects.toThrow(/immutable/);
      const [row] = await db('exchange_rates').where({ id: 'rate_test' }).select('rate');
      expect(row.rate).toBe('2.7150');
    } finally {
      await db.destroy();
    }
  });
});
