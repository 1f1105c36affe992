// Statements that run on every write of a hot path, sent as named prepared statements.
import type { Knex } from 'knex';

interface PgConnection {
  query(config: { name: string; text: string; values: readonly unknown[] } | string): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * What `prepared` runs on: a knex instance (a pooled connection per statement), one of its
 * transactions, or a `preparedTransaction`'s (their own connection).
 */
export interface StatementTarget {
  client: {
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<unknown>;
    emit(event: string, data: unknown): unknown;
  };
}

/**
 * Runs `text` (placeholders `$1`, `$2`, ...) as the prepared statement `name` of the connection it
 * runs on: the pool's for `db`, the transaction's own for a transaction. PostgreSQL parses and
 * plans a statement once per connection instead of on every call, and the caller skips knex's
 * binding and formatting; both cost more CPU than a statement of a few rows does to run. A `name`
 * must always stand for the same text, and the text must name its result columns, never `*`: once
 * a migration adds a column, a prepared `*` fails with "cached plan must not change result type"
 * on every connection that prepared it, for as long as this version runs. A connection that fails is marked by knex's own error handler
 * and dropped by the pool, as for any knex query; a failed statement inside a transaction fails
 * the transaction, as any statement does.
 */
export async function prepared<Row>(db: StatementTarget, name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
  const connection = await db.client.acquireConnection() as PgConnection;
  // Seen by `db.on('query', …)` as every knex query is.
  db.client.emit('query', { sql: text, bindings: values, name });
  try {
    return (await connection.query({ name, text, values })).rows as Row[];
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** A `preparedTransaction`'s connection, inside its transaction. */
export interface PreparedTransaction extends StatementTarget {
  readonly transaction: true;
}

/**
 * Runs `body` in a transaction of its own on one pooled connection, sending BEGIN and COMMIT (or
 * ROLLBACK, when `body` or the commit fails) itself, for hot paths whose every statement goes
 * through `prepared` (or `recordEvents`). knex's own transaction costs the client more CPU than that
 * (measured with two prepared statements: 0.28-0.36 ms of the client's CPU per transaction through
 * knex, 0.18-0.22 ms this way). A connection that fails is dropped by the pool as with knex.
 */
export async function preparedTransaction<T>(db: Knex, body: (trx: PreparedTransaction) => Promise<T>): Promise<T> {
  const connection = await db.client.acquireConnection() as PgConnection;
  const trx: PreparedTransaction = {
    transaction: true,
    client: {
      acquireConnection: () => Promise.resolve(connection),
      releaseConnection: () => Promise.resolve(),
      emit: (event, data) => db.client.emit(event, data),
    },
  };
  try {
    await connection.query('BEGIN');
    const result = await body(trx);
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    // Nothing to undo when BEGIN or COMMIT itself failed; the error that matters is the first one.
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
