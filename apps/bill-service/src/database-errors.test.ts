import { Code } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { TEST_REQUEST_ID, answerTo } from '../test/support/mapped-answer.ts';
import { databaseErrors } from './database-errors.ts';

describe('the database out of reach, through the server interceptor', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a server starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a connection failure', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['an exhausted pool', Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' })],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
  ])('answers unavailable for %s to PostgreSQL, on any service, and logs the cause', async (_case, error) => {
    for (const service of ['bills', 'mandates'] as const) {
      const answer = await answerTo(error, { serverMappers: [databaseErrors], service });
      expect(answer).toMatchObject({ code: Code.Unavailable, message: 'the database is unavailable' });
      expect(answer.logged?.fields).toMatchObject({ requestId: TEST_REQUEST_ID, err: { message: error.message } });
    }
  });

  it.each([['a deadlock', '40P01'], ['a serialization failure', '40001']])(
    'answers aborted, which no idempotency key keeps, for %s still there after the writer ran it again', async (_case, code) => {
      const answer = await answerTo(Object.assign(new Error('deadlock detected'), { code }), { serverMappers: [databaseErrors], service: 'bills' });
      expect(answer).toMatchObject({ code: Code.Aborted, message: 'a concurrent change conflicted with this one; send it again' });
    });

  it('knows nothing of a query that failed for its own reasons', () => {
    expect(databaseErrors(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBeUndefined();
    expect(databaseErrors('ECONNREFUSED')).toBeUndefined();
  });
});
