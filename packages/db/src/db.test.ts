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
    expect(await migrateLatest(pg.url)).toEqual(['0001_bills']);
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
