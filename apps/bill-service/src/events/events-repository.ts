// Reads of the event outbox. Writes happen only through @billing/db's recordEvents, inside the
// transaction of the change each event describes.
import type { Knex } from 'knex';
import { EVENT_COLUMNS, storedEvent, type EventRow, type StoredEvent } from '@billing/db';

export interface EventFilter {
  customerId: string | undefined;
  type: string | undefined;
  /** Only events listed before this position (the previous page's last). */
  beforePosition: bigint | undefined;
  limit: number;
}

export function eventsRepository(db: Knex) {
  const events = () => db<EventRow>('events').select([...EVENT_COLUMNS]);

  return {
    /** Newest first. */
    async list(filter: EventFilter): Promise<StoredEvent[]> {
      const query = events();
      if (filter.customerId !== undefined) query.where('customer_id', filter.customerId);
      if (filter.type !== undefined) query.where('type', filter.type);
      if (filter.beforePosition !== undefined) query.where('position', '<', filter.beforePosition.toString());
      const rows = await query.orderBy('position', 'desc').limit(filter.limit) as EventRow[];
      return rows.map(storedEvent);
    },

    async find(id: string): Promise<StoredEvent | undefined> {
      const row = await events().where({ id }).first() as EventRow | undefined;
      return row && storedEvent(row);
    },

    /** A customer's events after `afterSeq`, in their order. */
    async after(customerId: string, afterSeq: bigint, limit: number): Promise<StoredEvent[]> {
      const rows = await events().where('customer_id', customerId).andWhere('seq', '>', afterSeq.toString())
        .orderBy('seq', 'asc').limit(limit) as EventRow[];
      return rows.map(storedEvent);
    },

    async byIds(ids: readonly string[]): Promise<StoredEvent[]> {
      if (ids.length === 0) return [];
      const rows = await events().whereIn('id', [...ids]) as EventRow[];
      return rows.map(storedEvent);
    },
  };
}

export type EventsRepository = ReturnType<typeof eventsRepository>;
