import type { Knex } from 'knex';
import type { CollectionStatus, MandateStatus, ScheduleView } from '@billing/mandates';
import { keysetAfter, keysetPositionOf, type KeysetPosition } from '@billing/db';

/** A `mandates` row as read here: dates as `YYYY-MM-DD` text, numeric and bigint columns as strings. */
export interface MandateRow {
  id: string;
  customer_id: string;
  status: MandateStatus;
  description: string;
  amount_minor: string;
  currency: string;
  frequency: string;
  first_collection_date: string;
  end_date: string | null;
  time_zone: string;
  collection_time: string;
  auto_execution: boolean;
  reminder_days_before: number;
  paused_until: string | null;
  schedule: ScheduleView;
  next_cycle: number;
  collections_completed: number;
  last_collection_cycle: number | null;
  workflow_id: string;
  revision: string;
  created_at: Date;
  updated_at: Date;
}

/** A `mandate_collections` row as read here. */
export interface CollectionRow {
  mandate_id: string;
  cycle: number;
  due_date: string;
  status: CollectionStatus;
  attempts: number;
  amount_minor: string;
  currency: string;
  payment_reference: string | null;
  failure_reason: string | null;
  collected_at: Date | null;
}

// pg turns a `date` into a JS Date at local midnight, which a time zone can shift by a day: local
// dates are read as the text PostgreSQL writes them instead.
const MANDATE_COLUMNS = [
  'id', 'customer_id', 'status', 'description', 'amount_minor', 'currency', 'frequency',
  'time_zone', 'collection_time', 'auto_execution', 'reminder_days_before', 'schedule', 'next_cycle',
  'collections_completed', 'last_collection_cycle', 'workflow_id', 'revision', 'created_at', 'updated_at',
  'first_collection_date::text as first_collection_date', 'end_date::text as end_date', 'paused_until::text as paused_until',
] as const;
const COLLECTION_COLUMNS = [
  'mandate_id', 'cycle', 'status', 'attempts', 'amount_minor', 'currency', 'payment_reference', 'failure_reason', 'collected_at',
  'due_date::text as due_date',
] as const;

/** The row a new mandate starts with, before its workflow has written anything. */
export type NewMandateRow = Omit<MandateRow, 'revision' | 'updated_at' | 'collections_completed' | 'last_collection_cycle' | 'paused_until'>;

export interface MandateFilter {
  customerId: string;
  status?: MandateStatus;
  /** Keyset cursor: rows strictly after this one in the list's order (newest first). */
  after?: KeysetPosition;
  limit: number;
}

/**
 * Reads of the mandate read model, plus the row a new mandate is inserted with. Every other write
 * belongs to the mandate workflow's activities, which never let an older revision replace a newer one.
 */
export function mandatesRepository(db: Knex) {
  const mandates = () => db('mandates').select(db.raw(MANDATE_COLUMNS.join(', ')));
  const collections = () => db('mandate_collections').select(db.raw(COLLECTION_COLUMNS.join(', ')));

  return {
    /** The customer's mandate; another customer's is as absent as one that never existed. */
    async find(customerId: string, mandateId: string): Promise<MandateRow | undefined> {
      const row: MandateRow | undefined = await mandates().where({ id: mandateId, customer_id: customerId }).first();
      return row;
    },

    /** Inserts the mandate at revision 0 unless it is there already (its workflow writes the same row). */
    async insertNew(row: NewMandateRow): Promise<void> {
      await db('mandates')
        .insert({ ...row, schedule: JSON.stringify(row.schedule), revision: 0, collections_completed: 0, updated_at: row.created_at })
        .onConflict('id').ignore();
    },

    /** Newest first; each row with its keyset position. */
    async list(filter: MandateFilter): Promise<Array<MandateRow & { position: string }>> {
      const page = keysetAfter(filter.after, 'desc');
      const query = mandates().select(db.raw(`${keysetPositionOf('created_at')} AS position`))
        .where('customer_id', filter.customerId).andWhereRaw(page.sql, page.bindings);
      if (filter.status) query.andWhere('status', filter.status);
      const rows: Array<MandateRow & { position: string }> = await query
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit);
      return rows;
    },

    /** The last collection of each mandate given that has one, by mandate id. */
    async lastCollections(rows: readonly MandateRow[]): Promise<Map<string, CollectionRow>> {
      const wanted = rows.filter((row) => row.last_collection_cycle !== null);
      if (wanted.length === 0) return new Map();
      const found: CollectionRow[] = await collections().whereIn(['mandate_id', 'cycle'], wanted.map((row) => [row.id, row.last_collection_cycle as number]));
      return new Map(found.map((collection) => [collection.mandate_id, collection]));
    },

    /** A mandate's collections, newest cycle first, those before `beforeCycle` when given. */
    async collections(mandateId: string, beforeCycle: number | undefined, limit: number): Promise<CollectionRow[]> {
      const query = collections().where('mandate_id', mandateId);
      if (beforeCycle !== undefined) query.andWhere('cycle', '<', beforeCycle);
      const rows: CollectionRow[] = await query.orderBy('cycle', 'desc').limit(limit);
      return rows;
    },
  };
}

export type MandatesRepository = ReturnType<typeof mandatesRepository>;
