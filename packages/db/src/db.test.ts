import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, migrateLatest } from './index.ts';

let pg: PostgresHandle;

beforeAll(async () => {
  pg = await startPostgres({ temporary: true });
});
afterAll(async () => {
  await pg?.stop();
});

describe('migrations', () => {
  it('apply once and are a no-op the second time', async () => {
    expect(await migrateLatest(pg.url)).toEqual(['0001_bills', '0002_exchange_rates']);
    expect(await migrateLatest(pg.url)).toEqual([]);
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
