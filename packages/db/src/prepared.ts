// Statements that run on every write of a hot path, sent as named prepared statements.
import type { Knex } from 'knex';

interface PgConnection {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
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
export async function prepared<Row>(db: Knex | Knex.Transaction, name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
  const connection = await db.client.acquireConnection() as PgConnection;
  // Seen by `db.on('query', …)` as every knex query is.
  db.client.emit('query', { sql: text, bindings: values, name });
  try {
    return (await connection.query({ name, text, values })).rows as Row[];
  } finally {
    await db.client.releaseConnection(connection);
  }
}
