import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, prepared, preparedTransaction, type Db } from './index.ts';

let postgres: PostgresHandle;
let db: Db;

beforeAll(async () => {
  postgres = await startPostgres({ temporary: true });
  db = createDb({ url: postgres.url, poolMax: 2 });
  await db.raw('CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)');
});
afterAll(async () => {
  await db?.destroy();
  await postgres?.stop();
});

const READ = 'SELECT id, body FROM notes WHERE id = $1';

describe('prepared statements', () => {
  it('runs inside the caller\'s transaction: it sees that transaction\'s own writes, and nothing of a rollback stays', async () => {
    await expect(db.transaction(async (trx) => {
      await prepared(trx, 'insert_note', 'INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'draft']);
      expect(await prepared(trx, 'read_note', READ, [1])).toEqual([{ id: 1, body: 'draft' }]);
      expect(await prepared(db, 'read_note', READ, [1])).toEqual([]);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await prepared(db, 'read_note', READ, [1])).toEqual([]);
  });

  it('is seen by the knex instance\'s query listeners, as knex\'s own queries are', async () => {
    const seen: string[] = [];
    const listen = (query: { sql: string }) => seen.push(query.sql);
    db.on('query', listen);
    try {
      await prepared(db, 'read_note', READ, [3]);
      await db.transaction((trx) => prepared(trx, 'read_note', READ, [3]));
    } finally {
      db.off('query', listen);
    }
    expect(seen.filter((sql) => sql === READ)).toHaveLength(2);
  });

  it('keeps answering with the columns it names after a migration adds a column to the table', async () => {
    // One connection, so each statement below is known to be prepared on the connection that runs it again.
    const one = createDb({ url: postgres.url, poolMax: 1 });
    try {
      const STAR = 'SELECT * FROM notes WHERE id = $1';
      await prepared(one, 'insert_note', 'INSERT INTO notes (id, body) VALUES ($1, $2)', [2, 'kept']);
      await prepared(one, 'read_note', READ, [2]);
      await prepared(one, 'read_note_star', STAR, [2]);
      await db.raw('ALTER TABLE notes ADD COLUMN tag text');
      expect(await prepared(one, 'read_note', READ, [2])).toEqual([{ id: 2, body: 'kept' }]);
      // Why every prepared statement names its columns: PostgreSQL refuses a prepared `*` whose columns changed.
      await expect(prepared(one, 'read_note_star', STAR, [2])).rejects.toThrow('cached plan must not change result type');
    } finally {
      await one.destroy();
    }
  });
});

describe('a transaction of prepared statements', () => {
  const INSERT = 'INSERT INTO notes (id, body) VALUES ($1, $2)';
  const bodies = async (ids: number[]) =>
    (await db('notes').whereIn('id', ids).orderBy('id')).map((row: { body: string }) => row.body);

  it('commits its statements together and answers what its body returns', async () => {
    const answer = await preparedTransaction(db, async (trx) => {
      await prepared(trx, 'insert_note', INSERT, [10, 'first']);
      await prepared(trx, 'insert_note', INSERT, [11, 'second']);
      // Inside the transaction, before its commit: its own writes, and nothing for anyone else.
      expect(await prepared(trx, 'read_note', READ, [10])).toEqual([{ id: 10, body: 'first' }]);
      expect(await bodies([10, 11])).toEqual([]);
      return 'done';
    });
    expect(answer).toBe('done');
    expect(await bodies([10, 11])).toEqual(['first', 'second']);
  });

  it('leaves nothing when its body or a statement fails, answers the first error, and gives its connection back', async () => {
    // More failures than the pool has connections: a connection kept would stall the next one.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(preparedTransaction(db, async (trx) => {
        await prepared(trx, 'insert_note', INSERT, [20, 'lost']);
        throw new Error('changed my mind');
      })).rejects.toThrow('changed my mind');
      await expect(preparedTransaction(db, async (trx) => {
        await prepared(trx, 'insert_note', INSERT, [21, 'lost too']);
        await prepared(trx, 'insert_note', INSERT, [21, 'same id']);
      })).rejects.toMatchObject({ code: '23505' });
    }
    expect(await bodies([20, 21])).toEqual([]);
    await preparedTransaction(db, (trx) => prepared(trx, 'insert_note', INSERT, [22, 'after']));
    expect(await bodies([22])).toEqual(['after']);
  });
});
