// Customers' billing profiles (`customers`, migration 0013) and the stored documents of their bills
// (`bill_documents`). The close reads the same profile row when it renders an invoice.
import type { Knex } from 'knex';
import { keysetAfter, keysetPositionOf, type KeysetPosition } from '@billing/db';

/** A postal address as the close reads it from the `address` column (camelCase JSON). */
export interface ProfileAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode?: string;
  region?: string;
  country: string;
}

/** Every field of a profile; null is none. */
export interface ProfileFields {
  legalName: string;
  email: string | null;
  billingAddress: ProfileAddress | null;
  taxId: string | null;
  locale: string | null;
  timeZone: string | null;
  currency: string | null;
  electronicAddress: string | null;
}

/** The fields an update changes; null removes one, a missing key leaves it. */
export type ProfileChanges = Partial<ProfileFields>;

export interface StoredCustomer extends ProfileFields {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  /** The keyset position of `createdAt`, in microseconds since the epoch. */
  position: string;
}

export interface StoredDocument {
  billId: string;
  invoiceNumber: string;
  version: number;
  contentType: string;
  sha256: string;
  bytes: Buffer;
}

/** What a read of a bill's document finds. */
export type DocumentLookup =
  | { kind: 'no-bill' }
  | { kind: 'not-closed'; status: string }
  | { kind: 'no-document'; billId: string }
  | { kind: 'found'; document: StoredDocument };

const COLUMNS = `id, legal_name, email, address, tax_id, locale, time_zone, currency, electronic_address, created_at, updated_at,
  ${keysetPositionOf('created_at')} AS position`;

interface CustomerRow {
  id: string;
  legal_name: string;
  email: string | null;
  address: ProfileAddress | null;
  tax_id: string | null;
  locale: string | null;
  time_zone: string | null;
  currency: string | null;
  electronic_address: string | null;
  created_at: Date;
  updated_at: Date;
  position: string;
}

function customerOf(row: CustomerRow): StoredCustomer {
  return {
    id: row.id, legalName: row.legal_name, email: row.email, billingAddress: row.address, taxId: row.tax_id, locale: row.locale,
    timeZone: row.time_zone, currency: row.currency, electronicAddress: row.electronic_address, createdAt: row.created_at,
    updatedAt: row.updated_at, position: row.position,
  };
}

const COLUMN_OF = {
  legalName: 'legal_name', email: 'email', billingAddress: 'address', taxId: 'tax_id', locale: 'locale', timeZone: 'time_zone',
  currency: 'currency', electronicAddress: 'electronic_address',
} as const satisfies Record<keyof ProfileFields, string>;

/** The columns of `fields` to write, the address as JSON. */
function columnsOf(fields: ProfileChanges): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMN_OF) as Array<[keyof ProfileFields, string]>) {
    if (!(key in fields)) continue;
    const value = fields[key];
    columns[column] = key === 'billingAddress' && value !== null ? JSON.stringify(value) : value;
  }
  return columns;
}

export function customersRepository(db: Knex) {
  return {
    /** Creates the profile or replaces every field of it (its creation time stays); `created` tells which. */
    async put(id: string, fields: ProfileFields): Promise<{ customer: StoredCustomer; created: boolean }> {
      const columns = columnsOf(fields);
      const names = Object.keys(columns);
      const result = await db.raw(`
        INSERT INTO customers (id, ${names.join(', ')}) VALUES (?, ${names.map(() => '?').join(', ')})
        ON CONFLICT (id) DO UPDATE SET ${names.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}, updated_at = now()
        RETURNING ${COLUMNS}, (xmax = 0) AS created`, [id, ...names.map((name) => columns[name] ?? null)] as Knex.RawBinding[]) as
        { rows: Array<CustomerRow & { created: boolean }> };
      const row = result.rows[0];
      if (row === undefined) throw new Error(`customer ${id} was not written`);
      return { customer: customerOf(row), created: row.created };
    },

    async find(id: string): Promise<StoredCustomer | undefined> {
      const row = await db('customers').where({ id }).first(db.raw(COLUMNS)) as CustomerRow | undefined;
      return row === undefined ? undefined : customerOf(row);
    },

    /** Applies `changes` to the profile; undefined when there is none. */
    async update(id: string, changes: ProfileChanges): Promise<StoredCustomer | undefined> {
      const rows = await db('customers').where({ id }).update({ ...columnsOf(changes), updated_at: db.fn.now() })
        .returning(db.raw(COLUMNS) as unknown as string) as CustomerRow[];
      return rows[0] === undefined ? undefined : customerOf(rows[0]);
    },

    /** Profiles oldest first, strictly after `after`. */
    async list(after: KeysetPosition | undefined, limit: number): Promise<StoredCustomer[]> {
      const page = keysetAfter(after, 'asc');
      const rows = await db('customers').select(db.raw(COLUMNS)).whereRaw(page.sql, page.bindings)
        .orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }]).limit(limit) as CustomerRow[];
      return rows.map(customerOf);
    },

    /** The newest version of one form of the invoice of the customer's bill for `billingPeriod`. */
    async invoiceDocument(customerId: string, billingPeriod: string, format: 'pdf' | 'html' | 'xml'): Promise<DocumentLookup> {
      const bill = await db('bills').where({ customer_id: customerId, billing_period: billingPeriod })
        .first('id', 'status', 'invoice_number') as { id: string; status: string; invoice_number: string | null } | undefined;
      if (bill === undefined) return { kind: 'no-bill' };
      if (bill.status !== 'CLOSED') return { kind: 'not-closed', status: bill.status };
      const row = await db('bill_documents').where({ bill_id: bill.id, kind: 'invoice', format })
        .orderBy('version', 'desc').first('version', 'content_type', 'sha256', 'bytes') as
        { version: number; content_type: string; sha256: string; bytes: Buffer } | undefined;
      if (row === undefined) return { kind: 'no-document', billId: bill.id };
      return {
        kind: 'found',
        document: {
          billId: bill.id, invoiceNumber: bill.invoice_number ?? '', version: row.version, contentType: row.content_type,
          sha256: row.sha256, bytes: row.bytes,
        },
      };
    },
  };
}

export type CustomersRepository = ReturnType<typeof customersRepository>;
