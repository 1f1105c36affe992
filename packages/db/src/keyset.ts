// Keyset pages of rows listed by (created_at, id). A row's position is its created_at in
// microseconds since the epoch, as text: a JavaScript Date keeps only milliseconds, and rows
// written within one millisecond (or in one transaction, which share created_at to the
// microsecond) would otherwise be skipped or repeated at a page boundary; the id breaks ties.
// The cursor that carries a position to the next request is @billing/grpc-kit's (pages.ts).

/** A page starts strictly after this row. */
export interface KeysetPosition {
  /** created_at in microseconds since the epoch, as text. */
  micros: string;
  id: string;
}

/** The select expression of a row's position (alias it, e.g. `${keysetPositionOf('created_at')} AS position`). */
export function keysetPositionOf(column = 'created_at'): string {
  return `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
}

/**
 * The condition for the rows strictly after `after` in a list ordered by (created_at, id),
 * newest first (`desc`) or oldest first (`asc`); `TRUE` for the first page. The timestamp is
 * bound as text and rebuilt exactly in SQL, so no float is involved.
 */
export function keysetAfter(
  after: KeysetPosition | undefined,
  order: 'asc' | 'desc',
  columns: { createdAt: string; id: string } = { createdAt: 'created_at', id: 'id' },
): { sql: string; bindings: string[] } {
  if (after === undefined) return { sql: 'TRUE', bindings: [] };
  const comparison = order === 'desc' ? '<' : '>';
  return {
    sql: `(${columns.createdAt}, ${columns.id}) ${comparison} ((timestamptz 'epoch' + ?::bigint * interval '1 microsecond'), ?)`,
    bindings: [after.micros, after.id],
  };
}
