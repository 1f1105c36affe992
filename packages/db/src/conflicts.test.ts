import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, isTransactionConflict, retryOnConflict, type Db } from './index.ts';

let postgres: PostgresHandle;
let db: Db;

beforeAll(async () => {
  postgres = await startPostgres({ temporary: true });
  db = createDb({ url: postgres.url, poolMax: 4 });
  await db.raw('CREATE TABLE counters (id int PRIMARY KEY, value int NOT NULL)');
  await db('counters').insert([{ id: 1, value: 0 }, { id: 2, value: 0 }]);
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  await postgres?.stop();
});

/** Two transactions that lock the two rows in opposite orders, each waiting for the other's first lock. */
async function crossedTransactions(run: (work: () => Promise<void>) => Promise<void>): Promise<PromiseSettledResult<void>[]> {
  let bothHoldOne!: () => void;
  let held = 0;
  const meet = new Promise<void>((resolve) => (bothHoldOne = resolve));
  const transaction = (first: number, second: number) => {
    let attempt = 0;
    return run(() => db.transaction(async (trx) => {
      attempt += 1;
      await trx('counters').where({ id: first }).increment('value', 1);
      // Only the first attempts meet: a retry runs alone, as after a real deadlock.
      if (attempt === 1) {
        held += 1;
        if (held === 2) bothHoldOne();
        await meet;
      }
      await trx('counters').where({ id: second }).increment('value', 1);
    }));
  };
  return Promise.allSettled([transaction(1, 2), transaction(2, 1)]);
}

describe('transactions PostgreSQL aborts for a conflict', () => {
  it('fail one of two deadlocked transactions with a conflict when run once', async () => {
    const results = await crossedTransactions((work) => work());
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(isTransactionConflict((rejected[0] as PromiseRejectedResult).reason)).toBe(true);
  });

  it('commit both, each once, when run with retryOnConflict', async () => {
    const before = await db('counters').orderBy('id').pluck('value');
    const results = await crossedTransactions((work) => retryOnConflict(work));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    const after = await db('counters').orderBy('id').pluck('value');
    expect(after.map((value, index) => value - (before[index] as number))).toEqual([2, 2]);
  });

  it('count PostgreSQL\'s multixact race as a conflict, and no other internal error', () => {
    const race = Object.assign(new Error('insert into "ledger_postings" (…) - new multixact has more than one updating member: 0 2[7316 (nokeyupd), 7317 (nokeyupd)]'), { code: 'XX000' });
    expect(isTransactionConflict(race)).toBe(true);
    expect(isTransactionConflict(Object.assign(new Error('could not read block 0 in file "base/1/2"'), { code: 'XX000' }))).toBe(false);
    expect(isTransactionConflict(Object.assign(new Error('new multixact has more than one updating member'), { code: '23505' }))).toBe(false);
  });

  it('never retry another failure', async () => {
    let calls = 0;
    await expect(retryOnConflict(async () => {
      calls += 1;
      throw Object.assign(new Error('duplicate key'), { code: '23505' });
    })).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
  });
});
