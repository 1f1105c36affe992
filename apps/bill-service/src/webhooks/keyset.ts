// Keyset pages of rows listed newest first by (created_at, id). A position is created_at in
// microseconds since the epoch, as text: a JavaScript Date keeps only milliseconds, and rows made
// in one transaction share created_at to the microsecond, so the id breaks ties.

/** A page starts strictly after this row. */
export interface PagePosition {
  position: string;
  id: string;
}

/** The select expression of a row's position. */
export function positionOf(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
}

/** `AND (created_at, id) < (...)` for a page after `after`, nothing for the first page. */
export function afterPosition(after: PagePosition | undefined): { sql: string; bindings: string[] } {
  if (after === undefined) return { sql: '', bindings: [] };
  // The timestamp a position stands for, exactly (bound as text, so no float is involved).
  return { sql: ` AND (created_at, id) < ((timestamptz 'epoch' + ?::bigint * interval '1 microsecond'), ?)`, bindings: [after.position, after.id] };
}
