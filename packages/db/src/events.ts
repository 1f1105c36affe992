// The one place events are built and written. A caller passes the transaction of its change, so the
// event commits with the change or not at all; nothing is ever published from memory.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

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

const newEventId = () => `evt_${randomUUID().replaceAll('-', '')}`;

/**
 * Writes events inside the caller's transaction, in two statements whatever their number: one
 * takes every customer's next sequence numbers, one inserts the events and announces them. The
 * sequence rows are taken in customer-id order, so two transactions writing for the same
 * customers cannot deadlock, and each stays locked until commit: events of one customer commit in
 * sequence order.
 */
export async function recordEvents(trx: Knex.Transaction, events: readonly NewEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const byCustomer = Map.groupBy(events, (event) => event.customerId);
  const customers = [...byCustomer.keys()].sort();
  const taken = await trx.raw(`
    INSERT INTO event_sequences (customer_id, last_seq)
    SELECT customer_id, count FROM unnest(?::text[], ?::bigint[]) AS wanted (customer_id, count) ORDER BY customer_id
    ON CONFLICT (customer_id) DO UPDATE SET last_seq = event_sequences.last_seq + excluded.last_seq
    RETURNING customer_id, last_seq::text`,
  [customers, customers.map((customerId) => byCustomer.get(customerId)!.length)]) as { rows: Array<{ customer_id: string; last_seq: string }> };
  const lastSeq = new Map(taken.rows.map((row) => [row.customer_id, BigInt(row.last_seq)]));
  const rows = events.map((event) => ({ id: newEventId(), type: event.type, customer_id: event.customerId, data: JSON.stringify(event.data) }));
  // Within a customer, events take their numbers in the order the caller gave them.
  const next = new Map(customers.map((customerId) => [customerId, lastSeq.get(customerId)! - BigInt(byCustomer.get(customerId)!.length) + 1n]));
  const numbered = rows.map((row) => {
    const seq = next.get(row.customer_id)!;
    next.set(row.customer_id, seq + 1n);
    return { ...row, seq: seq.toString() };
  });
  // The insert announces each event in the same round trip, in the order it inserted them.
  const insert = trx('events').insert(numbered).returning([...EVENT_COLUMNS]).toSQL();
  const { rows: inserted } = await trx.raw(`WITH inserted AS (${insert.sql}) SELECT inserted.*, pg_notify(?, inserted.id) FROM inserted`,
    [...insert.bindings, EVENTS_CHANNEL]) as { rows: EventRow[] };
  const order = new Map(numbered.map((row, index) => [row.id, index]));
  return inserted.map(storedEvent).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/** Writes one event inside the caller's transaction. */
export async function recordEvent(trx: Knex.Transaction, event: NewEvent): Promise<StoredEvent> {
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
