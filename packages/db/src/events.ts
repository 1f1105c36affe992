// The one place events are built and written. A caller passes the transaction of its change, so the
// event commits with the change or not at all; nothing is ever published from memory.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { prepared, type PreparedTransaction } from './prepared.ts';

export const EVENT_TYPES = [
  'bill.created', 'bill.item_added', 'bill.closing', 'bill.closed', 'bill.failed',
  'mandate.created', 'mandate.updated', 'mandate.reminder', 'mandate.collection_succeeded',
  'mandate.collection_failed', 'mandate.past_due', 'mandate.completed',
  'ledger.entry_posted',
  'credit_note.issued', 'credit_note.voided',
  'invoice.finalized',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** The PostgreSQL channel each committed event's id is announced on (delivered only at commit). */
export const EVENTS_CHANNEL = 'billing_events';

export interface NewEvent {
  type: EventType;
  customerId: string;
  /** The resource as the REST API shows it. */
  data: unknown;
}

export interface StoredEvent {
  id: string;
  type: EventType;
  customerId: string;
  /** The event's place in its customer's sequence (1, 2, 3, ... with no gaps). */
  seq: bigint;
  /** Its place across all customers, for listing. */
  position: bigint;
  createdAt: Date;
  data: unknown;
}

export interface EventRow {
  id: string;
  type: EventType;
  customer_id: string;
  seq: string;
  position: string;
  created_at: Date;
  data: unknown;
}

export const EVENT_COLUMNS = ['id', 'type', 'customer_id', 'seq', 'position', 'created_at', 'data'] as const;

export function storedEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    type: row.type,
    customerId: row.customer_id,
    seq: BigInt(row.seq),
    position: BigInt(row.position),
    createdAt: row.created_at,
    data: row.data,
  };
}

/** A new event's id; also for a statement that writes events through `eventWritingCtes`. */
export const newEventId = () => `evt_${randomUUID().replaceAll('-', '')}`;

/**
 * The common table expressions that write the events of `source`, for a statement of the caller's:
 * `source` names a relation (a CTE before these) with the columns `id`, `type`, `customer_id`,
 * `data` (JSON text) and `n` (the events' order). They take every customer's next sequence numbers,
 * insert the events numbered from them in `n` order (within a customer too), and announce each on
 * `channel` (a placeholder such as `$5`) in the order it was inserted. The sequence rows are taken
 * in customer-id order, so two transactions writing for the same customers cannot deadlock, and
 * each stays locked until commit: events of one customer commit in sequence order. The
 * announcements happen only if the statement reads `announced_events` (its columns are
 * EVENT_COLUMNS); the CTE names they define all end in `_events`.
 */
export function eventWritingCtes(source: string, channel: string): string {
  return `
  counts_events AS (
    SELECT customer_id, count(*) AS count FROM ${source} GROUP BY customer_id
  ), taken_events AS (
    INSERT INTO event_sequences AS s (customer_id, last_seq)
    SELECT customer_id, count FROM counts_events ORDER BY customer_id
    ON CONFLICT (customer_id) DO UPDATE SET last_seq = s.last_seq + excluded.last_seq
    RETURNING customer_id, last_seq
  ), inserted_events AS (
    INSERT INTO events (id, type, customer_id, seq, data)
    SELECT g.id, g.type, g.customer_id,
           t.last_seq - w.count + row_number() OVER (PARTITION BY g.customer_id ORDER BY g.n), g.data::jsonb
      FROM ${source} AS g JOIN taken_events AS t USING (customer_id) JOIN counts_events AS w USING (customer_id)
      ORDER BY g.n
    RETURNING ${EVENT_COLUMNS.join(', ')}
  ), announced_events AS (
    SELECT ${EVENT_COLUMNS.map((column) => `e.${column}`).join(', ')}, pg_notify(${channel}, e.id) FROM inserted_events AS e
  )`;
}

// Every event given, in one statement whatever their number.
const RECORD_EVENTS = `
  WITH given AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS g (id, type, customer_id, data, n)
  ), ${eventWritingCtes('given', '$5')}
  SELECT ${EVENT_COLUMNS.join(', ')} FROM announced_events`;

/**
 * Writes events inside the caller's transaction, in one prepared statement whatever their number
 * (see RECORD_EVENTS); returns them in the order given.
 */
export async function recordEvents(trx: Knex.Transaction | PreparedTransaction, events: readonly NewEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const rows = await prepared<EventRow>(trx, 'record_events', RECORD_EVENTS, [
    events.map(() => newEventId()), events.map((event) => event.type), events.map((event) => event.customerId),
    events.map((event) => JSON.stringify(event.data)), EVENTS_CHANNEL,
  ]);
  // Inserted in the order given, so their positions are in that order too.
  return rows.map(storedEvent).sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
}

/** Writes one event inside the caller's transaction. */
export async function recordEvent(trx: Knex.Transaction | PreparedTransaction, event: NewEvent): Promise<StoredEvent> {
  const [stored] = await recordEvents(trx, [event]);
  return stored!;
}

/** Deletes events created before `cutoff`, a batch at a time; returns how many went. */
export async function deleteEventsBefore(db: Knex, cutoff: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.raw(`
      DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? LIMIT ?)`, [cutoff, batch]) as { rowCount: number };
    total += deleted.rowCount;
    if (deleted.rowCount < batch) return total;
  }
}
